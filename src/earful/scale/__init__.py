"""Beyond one machine: the per-contact pipeline on Spark and Daft, and the store as a Parquet lake.

- :mod:`earful.scale.pipeline`: the enrichment as one Arrow batch in, one Arrow batch out;
- :mod:`earful.scale.spark`: that function through Spark's ``mapInArrow``;
- :mod:`earful.scale.daft`: the same through a Daft class (no JVM; Ray when a site has it);
- :mod:`earful.scale.lake`: ``earful export --parquet``, reading a lake back, and DuckDB over it.

The engines are optional (``pip install earful[scale]``); nothing here imports them until used.
"""
