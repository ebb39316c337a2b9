"""ReadSpec and ProjectConfig: YAML, overrides, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import peir
from peir.config import ProjectConfig
from peir.readspec import ReadSpec


def test_readspec_defaults_and_from_dict() -> None:
    s = ReadSpec()
    assert s.encoding == "auto" and s.decimal == "." and s.thousands is None
    assert s.unit_multiplier == 1.0 and s.header_row == 0 and s.skip_footer == 0
    s = ReadSpec.from_dict(
        {
            "columns": {"amount": "Monto"},
            "phases": {"Votado": "votado", "Dev": "Devengado"},
            "delimiter": "tab",
        }
    )
    assert s.phases == {"Votado": "approved", "Dev": "executed"}
    assert s.delimiter == "\t"
    assert s.melt_dims() == {"phase": {"Votado": "approved", "Dev": "executed"}}


def test_readspec_from_yaml(tmp_path: Path) -> None:
    p = tmp_path / "spec.yaml"
    p.write_text(
        "columns:\n  institution_code: Institución\n  amount: Monto\n"
        "constants: {country: SLV, currency: USD}\n"
        "values:\n  phase: {Dev: executed}\n"
        "decimal: ','\nunit_multiplier: 1000\nsheet: Hoja1\nheader_row: 3\nskip_footer: 2\n",
        encoding="utf-8",
    )
    s = ReadSpec.from_yaml(p)
    assert s.columns["institution_code"] == "Institución"
    assert s.decimal == "," and s.unit_multiplier == 1000 and s.sheet == "Hoja1"
    assert s.multiplier_for("amount", "budget") == 1000
    assert s.multiplier_for("year", "budget") == 1.0


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"colums": {}}, "unknown key 'colums'; did you mean 'columns'"),
        ({"decimal": ";"}, "decimal"),
        ({"unit_multiplier": -1}, "unit_multiplier"),
        ({"phases": {"A": "banana"}}, "not a phase"),
        ({"header_row": -1}, "header_row"),
        ({"encoding": "klingon"}, "unknown encoding"),
        ({"exclude": {"x": "("}}, "regular expression"),
        ({"melt": {"program": {"a": "x"}, "phase": {"b": "approved"}}}, "same source columns"),
    ],
)
def test_readspec_errors_name_the_key(data: dict[str, object], match: str) -> None:
    with pytest.raises(peir.SpecError, match=match):
        ReadSpec.from_dict(data)


def test_readspec_yaml_errors(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("columns: [unclosed\n")
    with pytest.raises(peir.SpecError, match="not valid YAML"):
        ReadSpec.from_yaml(p)
    p.write_text("- a\n- b\n")
    with pytest.raises(peir.SpecError, match="mapping"):
        ReadSpec.from_yaml(p)
    with pytest.raises(peir.SpecError, match="no such file"):
        ReadSpec.from_yaml(tmp_path / "missing.yaml")


def test_coerce_and_overrides(tmp_path: Path) -> None:
    base = ReadSpec(decimal=",")
    s = ReadSpec.coerce(base, unit_multiplier=10)
    assert s.decimal == "," and s.unit_multiplier == 10
    assert base.unit_multiplier == 1.0  # not mutated
    assert ReadSpec.coerce({"decimal": ","}).decimal == ","
    with pytest.raises(peir.SpecError):
        ReadSpec.coerce(42)  # type: ignore[arg-type]


def _project(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir(parents=True)
    (tmp_path / "specs").mkdir()
    (tmp_path / "data" / "presupuesto.csv").write_text(
        "Año;Código;Fase;Monto\n2019;PNC;Devengado;1.000,5\n2019;FGR;Votado;200\n", encoding="utf-8"
    )
    (tmp_path / "specs" / "presupuesto.yaml").write_text(
        "columns: {institution_code: Código}\ndecimal: ','\n", encoding="utf-8"
    )
    (tmp_path / "data" / "context.csv").write_text("country,year,population\nSLV,2019,6300000\n")
    cfg = tmp_path / "peir.yaml"
    cfg.write_text(
        "name: Test review\ncountry: slv\npeers: [GTM, HND]\nbase_year: 2019\ncurrency: USD\nlang:"
        " es\n"
        "data:\n"
        "  budget:\n    path: data/presupuesto.csv\n    spec: specs/presupuesto.yaml\n"
        "    constants: {country: SLV, currency: USD}\n"
        "  context: {path: data/context.csv}\n",
        encoding="utf-8",
    )
    return cfg


def test_project_config_loads_dataset(tmp_path: Path) -> None:
    cfg = ProjectConfig.from_yaml(_project(tmp_path))
    assert cfg.country == "SLV" and cfg.peers == ["GTM", "HND"] and cfg.lang == "es"
    assert cfg.base_dir == tmp_path.resolve()
    ds = cfg.load_dataset()
    assert ds.budget is not None and ds.context is not None
    assert ds.budget.frame["amount"].tolist() == [1000.5, 200.0]
    assert ds.budget.frame["phase"].tolist() == ["executed", "approved"]
    assert ds.meta["config"]["base_year"] == 2019
    assert ds.name == "Test review"


def test_project_config_from_another_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg_path = _project(tmp_path / "proj")
    monkeypatch.chdir(tmp_path)
    ds = ProjectConfig.from_yaml(Path("proj") / "peir.yaml").load_dataset()
    assert ds.budget is not None and len(ds.budget) == 2
    assert cfg_path.exists()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("name: x\ncountri: SLV\n", "unknown key 'countri'; did you mean 'country'"),
        ("country: Salvador\n", "country"),
        ("peers: [GTM, XX]\n", "XX"),
        ("lang: fr\n", "lang"),
        ("base_year: 1800\n", "base_year"),
        ("currency: DOLLAR\n", "currency"),
        ("data:\n  budgett: {path: a.csv}\n", "did you mean 'budget'"),
        ("data:\n  budget: {path: a.csv, decimals: ','}\n", "did you mean 'decimal'"),
        ("data:\n  budget: {spec: x.yaml}\n", "data.budget"),
        ("data:\n  budget: {path: a.csv, spec: missing.yaml}\n", "missing.yaml"),
    ],
)
def test_project_config_errors(tmp_path: Path, text: str, match: str) -> None:
    p = tmp_path / "peir.yaml"
    p.write_text(text)
    with pytest.raises(peir.SpecError, match=match):
        ProjectConfig.from_yaml(p)


def test_project_config_with_example(tmp_path: Path) -> None:
    p = tmp_path / "peir.yaml"
    p.write_text("name: ES\nexample: el_salvador\n")
    ds = ProjectConfig.from_yaml(p).load_dataset()
    ex = peir.load_example("el_salvador")
    assert ds.budget is not None and ex.budget is not None
    assert len(ds.budget) == len(ex.budget)
    assert ds.meta["country"] == "SLV"


def test_project_config_several_files_per_table(tmp_path: Path) -> None:
    for y in (2019, 2020):
        (tmp_path / f"ctx{y}.csv").write_text(f"country,year,population\nSLV,{y},6300000\n")
    p = tmp_path / "peir.yaml"
    p.write_text("data:\n  context:\n    - {path: ctx2019.csv}\n    - {path: ctx2020.csv}\n")
    ds = ProjectConfig.from_yaml(p).load_dataset()
    assert ds.context is not None
    assert ds.context.frame["year"].tolist() == [2019, 2020]
    assert ds.context.report.rows_read == 2


def test_old_specs_module_is_a_deprecated_alias() -> None:
    import importlib
    import sys

    sys.modules.pop("peir.specs", None)
    with pytest.warns(DeprecationWarning, match="peir.specs is deprecated"):
        old = importlib.import_module("peir.specs")
    assert old.ReadSpec is ReadSpec and old.ProjectConfig is ProjectConfig
    assert peir.ReadSpec is ReadSpec
