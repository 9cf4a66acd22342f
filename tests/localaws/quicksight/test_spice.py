"""The SPICE extract from Athena's result CSV: typing, NULLs, dropped rows, schema mismatch, incremental."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from localaws.quicksight import spice, transforms

COLUMNS = [
    {"Name": "name", "Type": "STRING"},
    {"Name": "n", "Type": "INTEGER"},
    {"Name": "price", "Type": "DECIMAL", "SubType": "FIXED"},
    {"Name": "ratio", "Type": "DECIMAL"},
    {"Name": "ts", "Type": "DATETIME"},
    {"Name": "flag", "Type": "BIT"},
]

# Athena's CSV dialect: a header, every value quoted, NULL as an empty unquoted field.
ATHENA_CSV = (
    '"NAME","n","price","ratio","ts","flag"\n'
    '"a","1","1.25","0.5","2026-11-26 10:00:00.000","true"\n'
    '"","2",,"1e3","2026-11-26 11:00:00.000 UTC","0"\n'
    ",,,,,\n"
    '"bad","not a number","1","1","2026-11-26 12:00:00.000","1"\n'
)


def rows(path: Path) -> list[tuple]:
    return duckdb.sql(f"SELECT * FROM read_parquet('{path}') ORDER BY ALL NULLS LAST").fetchall()


def build(
    tmp_path: Path, text: str, columns: list[dict], **kwargs: object
) -> tuple[Path, spice.ExtractStats]:
    source = tmp_path / "result.csv"
    source.write_text(text)
    target = tmp_path / "spice" / "ds.parquet"
    partial, stats = spice.build_extract(source, columns, target, **kwargs)
    spice.commit(partial, target)
    return target, stats


def test_values_are_typed_per_column_and_unconvertible_rows_dropped(tmp_path: Path) -> None:
    target, stats = build(tmp_path, ATHENA_CSV, COLUMNS)
    assert (stats.rows_ingested, stats.rows_dropped, stats.total_rows) == (3, 1, 3)
    assert stats.size_bytes == target.stat().st_size
    schema = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{target}')").fetchall()
    assert [(c[0], c[1]) for c in schema] == [
        ("name", "VARCHAR"),
        ("n", "BIGINT"),
        ("price", "DECIMAL(18,4)"),
        ("ratio", "DOUBLE"),
        ("ts", "TIMESTAMP"),
        ("flag", "BIGINT"),
    ]
    got = rows(target)
    # Quoted "" stays an empty string; an empty unquoted field is NULL; the header matched case-insensitively.
    assert got[0][0] == ""
    assert got[0][1:3] == (2, None) and got[0][3] == 1000.0 and got[0][5] == 0
    assert str(got[1][2]) == "1.2500" and got[1][0] == "a" and got[1][5] == 1
    assert str(got[1][4]) == "2026-11-26 10:00:00"
    assert got[2] == (None,) * 6


def test_missing_column_is_a_schema_mismatch(tmp_path: Path) -> None:
    with pytest.raises(spice.SchemaMismatch, match=r"no column\(s\) \['missing'\]"):
        build(tmp_path, ATHENA_CSV, [{"Name": "missing", "Type": "STRING"}])


def test_an_empty_result_gives_an_empty_typed_extract(tmp_path: Path) -> None:
    target, stats = build(tmp_path, "", COLUMNS[:2])
    assert (stats.rows_ingested, stats.total_rows) == (0, 0)
    assert [c[1] for c in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{target}')").fetchall()] == [
        "VARCHAR",
        "BIGINT",
    ]


def test_a_full_refresh_replaces_the_extract(tmp_path: Path) -> None:
    build(tmp_path, '"n"\n"1"\n"2"\n', [{"Name": "n", "Type": "INTEGER"}])
    target, stats = build(tmp_path, '"n"\n"3"\n', [{"Name": "n", "Type": "INTEGER"}])
    assert rows(target) == [(3,)]
    assert stats.total_rows == 1
    assert sorted(p.name for p in target.parent.iterdir()) == ["ds.parquet"]  # no partial files left


def test_incremental_keeps_rows_outside_the_window(tmp_path: Path) -> None:
    columns = [{"Name": "ts", "Type": "DATETIME"}, {"Name": "n", "Type": "INTEGER"}]
    build(tmp_path, '"ts","n"\n"2026-11-26 10:00:00","1"\n"2026-11-26 12:00:00","2"\n', columns)
    # GIVEN a lookback window from 11:00: the old 12:00 row is replaced by what the query returns now
    target, stats = build(
        tmp_path,
        '"ts","n"\n"2026-11-26 10:00:00","10"\n"2026-11-26 12:00:00","20"\n"2026-11-26 13:00:00","30"\n',
        columns,
        lookback=("ts", "2026-11-26 11:00:00"),
    )
    assert [r[1] for r in rows(target)] == [1, 20, 30]
    assert (stats.rows_ingested, stats.total_rows) == (2, 3)


def test_logical_table_projects_renames_and_casts(tmp_path: Path) -> None:
    # GIVEN Hive-style hour strings cast to DATETIME with a QuickSight format, a rename and a projection
    data_set = {
        "LogicalTableMap": {
            "l": {
                "Alias": "flows",
                "Source": {"PhysicalTableId": "t"},
                "DataTransforms": [
                    {
                        "CastColumnTypeOperation": {
                            "ColumnName": "hour",
                            "NewColumnType": "DATETIME",
                            "Format": "yyyy-MM-dd-HH",
                        }
                    },
                    {"RenameColumnOperation": {"ColumnName": "n", "NewColumnName": "bytes"}},
                    {"CastColumnTypeOperation": {"ColumnName": "bytes", "NewColumnType": "DECIMAL"}},
                    {"ProjectOperation": {"ProjectedColumns": ["hour", "bytes"]}},
                    {"TagColumnOperation": {"ColumnName": "hour", "Tags": []}},
                ],
            }
        }
    }
    physical = [
        {"Name": "hour", "Type": "STRING"},
        {"Name": "n", "Type": "INTEGER"},
        {"Name": "x", "Type": "STRING"},
    ]
    outputs = transforms.outputs(data_set, physical)
    assert [o.output_column() for o in outputs] == [
        {"Name": "hour", "Type": "DATETIME"},
        {"Name": "bytes", "Type": "DECIMAL", "SubType": "FLOAT"},
    ]
    text = '"hour","n","x"\n"2026-11-26-15","7","a"\n"not an hour","8","b"\n'
    target, stats = build(tmp_path, text, physical, outputs=outputs)
    assert rows(target) == [(datetime(2026, 11, 26, 15), 7.0)]
    assert (stats.rows_ingested, stats.rows_dropped) == (1, 1)


def test_transforms_localaws_cannot_compute_are_named() -> None:
    physical = [{"Name": "a", "Type": "STRING"}]
    calculated = {
        "LogicalTableMap": {
            "l": {
                "Alias": "t",
                "Source": {"PhysicalTableId": "t"},
                "DataTransforms": [
                    {
                        "CreateColumnsOperation": {
                            "Columns": [{"ColumnName": "b", "ColumnId": "b", "Expression": "a"}]
                        }
                    }
                ],
            }
        }
    }
    with pytest.raises(transforms.UnsupportedTransform, match="CreateColumnsOperation"):
        transforms.outputs(calculated, physical)
    assert [o.name for o in transforms.outputs(calculated, physical, strict=False)] == ["a"]
    renamed_twice = {
        "LogicalTableMap": {
            "l": {
                "Alias": "t",
                "Source": {"PhysicalTableId": "t"},
                "DataTransforms": [{"RenameColumnOperation": {"ColumnName": "zz", "NewColumnName": "b"}}],
            }
        }
    }
    with pytest.raises(transforms.UnknownColumn, match="'zz'"):
        transforms.outputs(renamed_twice, physical)
