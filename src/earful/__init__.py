"""earful: turn everything a contact centre hears into metrics, staffing maths and insight."""

__version__ = "0.1.0"
