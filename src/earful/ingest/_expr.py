"""Checking a mapping's `sql:` expression before it goes anywhere near the store.

DuckDB parses the expression into its syntax tree (``json_serialize_sql``); it is accepted only
when that tree is one expression made of the file's columns, constants, operators, CASE, casts
to plain types and an allow-list of scalar functions: no subquery, no table, no setting, no file.
What runs is DuckDB's own rendering of the checked tree (``json_deserialize_sql``), so a comment
or a stray parenthesis in the text cannot change the query around it.
"""

from __future__ import annotations

import json

import duckdb

MAX_CHARS = 4000

#: Scalar functions and operators a mapping expression may call (DuckDB's names, lower case).
ALLOWED_FUNCTIONS = frozenset("""
lower upper lcase ucase trim ltrim rtrim substr substring left right replace regexp_replace regexp_extract
regexp_matches regexp_full_match concat concat_ws split_part length strlen lpad rpad strip_accents reverse
contains starts_with ends_with prefix suffix instr position strpos repeat printf format
nullif ifnull if greatest least abs round floor ceil ceiling trunc sign mod
try_strptime strptime strftime make_date make_time make_timestamp date_part datepart date_trunc datetrunc epoch
epoch_ms to_timestamp timezone date_add date_diff datediff date_sub datesub to_seconds to_minutes to_hours
to_days to_milliseconds json_extract json_extract_string json_value ->> -> array_extract list_extract
|| + - * / // % ~~ !~~ ~~* !~~* ~~~ !~~~ ^ **
""".split())

#: Node classes an expression may contain.
_CLASSES = frozenset({"COLUMN_REF", "CONSTANT", "FUNCTION", "CASE", "CAST", "COMPARISON", "CONJUNCTION",
                      "OPERATOR", "BETWEEN", "TYPE"})
_OPERATORS = frozenset({"OPERATOR_COALESCE", "OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL", "OPERATOR_NOT",
                        "COMPARE_IN", "COMPARE_NOT_IN", "ARRAY_EXTRACT"})
_TYPES = frozenset({"VARCHAR", "TEXT", "STRING", "INTEGER", "INT", "BIGINT", "SMALLINT", "DOUBLE", "FLOAT",
                    "REAL", "DECIMAL", "NUMERIC", "BOOLEAN", "BOOL", "DATE", "TIME", "TIMESTAMP",
                    "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ", "INTERVAL", "JSON"})


def check_expression(text: str) -> tuple[str, set[str]]:
    """The expression as DuckDB renders it and the columns it reads; ``ValueError`` says what is refused."""
    if not text.strip():
        raise ValueError("the expression is empty")
    if len(text) > MAX_CHARS:
        raise ValueError(f"the expression is longer than {MAX_CHARS} characters")
    con = duckdb.connect()
    try:
        tree_text = con.execute("SELECT json_serialize_sql(?)", ["SELECT " + text]).fetchall()[0][0]
        tree = json.loads(tree_text)
    except (duckdb.Error, RecursionError, ValueError):
        raise ValueError("DuckDB cannot read it as an expression") from None
    if tree.get("error"):
        msg = str(tree.get("error_message", "")).splitlines()[0] if tree.get("error_message") else "syntax error"
        raise ValueError(f"not one expression ({msg[:120]})")
    statements = tree.get("statements") or []
    if len(statements) != 1:
        raise ValueError("it must be one expression, not several statements")
    node = statements[0].get("node") or {}
    if (node.get("type") != "SELECT_NODE" or len(node.get("select_list") or []) != 1
            or (node.get("from_table") or {}).get("type") != "EMPTY" or node.get("where_clause") is not None
            or node.get("group_expressions") or node.get("having") is not None or node.get("modifiers")
            or (node.get("cte_map") or {}).get("map") or node.get("qualify") is not None
            or node.get("sample") is not None):
        raise ValueError("it must be one expression over the file's columns (no FROM, WHERE or a second item)")
    columns: set[str] = set()
    try:
        _walk(node["select_list"][0], columns)
    except RecursionError:
        raise ValueError("the expression is nested too deeply") from None
    _drop_aliases(tree)
    try:
        rendered = con.execute("SELECT json_deserialize_sql(?::JSON)", [json.dumps(tree)]).fetchall()[0][0]
    except duckdb.Error:
        raise ValueError("DuckDB cannot render it back") from None
    if not rendered.startswith("SELECT "):
        raise ValueError("DuckDB rendered it as something other than an expression")
    return rendered[len("SELECT "):], columns


def _walk(node: object, columns: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, columns)
        return
    if not isinstance(node, dict):
        return
    cls = node.get("class")
    if cls is not None:
        if cls not in _CLASSES:
            raise ValueError(f"it uses {str(cls).lower().replace('_', ' ')}, which a mapping may not")
        if cls == "COLUMN_REF":
            names = node.get("column_names") or []
            if len(names) != 1:
                raise ValueError(f"{'.'.join(map(str, names))} names a table: use the file's column names only")
            columns.add(str(names[0]))
            return
        if cls == "FUNCTION":
            name = str(node.get("function_name", "")).lower()
            if node.get("schema") or node.get("catalog") or name not in ALLOWED_FUNCTIONS:
                raise ValueError(f"function {name}() is not allowed in a mapping"
                                 " (string, number, date and JSON functions are)")
            if node.get("filter") is not None or (node.get("order_bys") or {}).get("orders") or node.get("distinct"):
                raise ValueError(f"{name}() is used as an aggregate: a mapping works row by row")
        if cls == "OPERATOR" and node.get("type") not in _OPERATORS:
            raise ValueError(f"operator {str(node.get('type')).lower()} is not allowed in a mapping")
        if cls == "TYPE":
            if node.get("catalog") or node.get("schema") or str(node.get("type_name", "")).upper() not in _TYPES \
                    or node.get("children"):
                raise ValueError(f"cast to {node.get('type_name')!r} is not allowed (plain types only)")
            return
    for key, value in node.items():
        if key in ("literal", "value", "query_location", "query_location_length", "alias"):
            continue
        _walk(value, columns)


def _drop_aliases(node: object) -> None:
    """`a AS b` names a result column; inside a field's expression it would be a syntax error."""
    if isinstance(node, list):
        for item in node:
            _drop_aliases(item)
    elif isinstance(node, dict):
        if isinstance(node.get("alias"), str):
            node["alias"] = ""
        for value in node.values():
            _drop_aliases(value)
