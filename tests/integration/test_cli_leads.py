"""`crm leads`: add, list and convert with the services, scope and duplicate guard of the GUI."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import BOSS_PASSWORD, SALES_PASSWORD, crm, one_line_error

pytest_plugins = ["tests.integration.test_cli"]


def _add(db: Path, user: str, password: str, *args: str) -> str:
    result = crm("--db", db, "--as", user, "leads", "add", *args, password=password)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _listed(db: Path, user: str, password: str, *args: str) -> list[dict[str, object]]:
    result = crm("--db", db, "--as", user, "leads", "list", "--format", "json", *args,
                 password=password)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_leads_are_added_listed_within_scope_and_converted(fresh: Path) -> None:
    _add(fresh, "li", SALES_PASSWORD, "--name", "张伟", "--company", "杭州星河科技有限公司",
         "--phone", "13900001111")  # fmt: skip
    _add(fresh, "boss", BOSS_PASSWORD, "--name", "王芳", "--company", "宁波海风贸易",
         "--owner", "boss")  # fmt: skip
    companies = [row["company"] for row in _listed(fresh, "li", SALES_PASSWORD)]
    assert companies == ["杭州星河科技有限公司"]
    assert len(_listed(fresh, "boss", BOSS_PASSWORD)) == 2
    lead = _listed(fresh, "li", SALES_PASSWORD, "--search", "星河")[0]
    assert lead["status"] == "new"

    not_yet = crm("--db", fresh, "--as", "li", "leads", "convert", str(lead["id"]),
                  password=SALES_PASSWORD)  # fmt: skip
    assert "qualified" in one_line_error(not_yet)
    marked = crm("--db", fresh, "--as", "li", "leads", "status", str(lead["id"]), "qualified",
                 password=SALES_PASSWORD)  # fmt: skip
    assert marked.returncode == 0, marked.stderr
    converted = crm("--db", fresh, "--as", "li", "leads", "convert", str(lead["id"]),
                    "--amount", "50000", password=SALES_PASSWORD)  # fmt: skip
    assert converted.returncode == 0, converted.stderr
    assert "customer #" in converted.stdout
    assert _listed(fresh, "li", SALES_PASSWORD, "--status", "converted")[0]["id"] == lead["id"]
    customers = crm("--db", fresh, "--as", "li", "customers", "list", password=SALES_PASSWORD)
    assert "杭州星河科技有限公司" in customers.stdout


def test_a_lead_that_is_already_a_customer_is_refused_then_converted_into_it(fresh: Path) -> None:
    made = crm("--db", fresh, "--as", "boss", "customers", "add", "--name", "苏州明达电子有限公司",
               "--owner", "li", password=BOSS_PASSWORD)  # fmt: skip
    assert made.returncode == 0, made.stderr
    refused = crm("--db", fresh, "--as", "li", "leads", "add", "--name", "陈静",
                  "--company", "苏州明达电子公司", password=SALES_PASSWORD)  # fmt: skip
    assert "--allow-duplicate" in one_line_error(refused)
    _add(fresh, "li", SALES_PASSWORD, "--name", "陈静", "--company", "苏州明达电子公司",
         "--allow-duplicate")  # fmt: skip
    lead_id = str(_listed(fresh, "li", SALES_PASSWORD)[0]["id"])
    crm("--db", fresh, "--as", "li", "leads", "status", lead_id, "qualified",
        password=SALES_PASSWORD)  # fmt: skip
    again = crm("--db", fresh, "--as", "li", "leads", "convert", lead_id,
                password=SALES_PASSWORD)  # fmt: skip
    assert "--into-customer" in one_line_error(again)
    into = crm("--db", fresh, "--as", "li", "leads", "convert", lead_id,
               "--into-customer", "苏州明达电子有限公司", password=SALES_PASSWORD)  # fmt: skip
    assert into.returncode == 0, into.stderr
    customers = crm("--db", fresh, "--as", "li", "customers", "list", password=SALES_PASSWORD)
    assert customers.stdout.count("苏州明达") == 1
