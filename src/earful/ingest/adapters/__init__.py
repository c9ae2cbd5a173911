"""Named adapters for real public formats; each ends in the same canonical staging."""
