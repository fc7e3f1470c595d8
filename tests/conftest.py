import datetime as dt
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = {
    "schema": "zjtx.profile/1",
    "name": "杭州某某精密机械有限公司",
    "credit_code": "91330106MA2B3C4D11",
    "region": "330106",
    "industry": "C3484",
    "established": "2012-03-01",
    "niche_since": "2012-03-01",
    "financials": {
        "2023": {
            "employees": 260,
            "rd_staff": 60,
            "revenue": 120000000,
            "main_revenue": 110000000,
            "total_assets": 150000000,
            "total_liabilities": 60000000,
            "net_profit": 14000000,
            "rd_expense": 7200000,
        },
        "2022": {
            "employees": 240,
            "rd_staff": 50,
            "revenue": 100000000,
            "main_revenue": 92000000,
            "total_assets": 130000000,
            "total_liabilities": 60000000,
            "net_profit": 10000000,
            "rd_expense": 5000000,
        },
        "2021": {
            "employees": 220,
            "rd_staff": 45,
            "revenue": 85000000,
            "main_revenue": 80000000,
            "total_assets": 110000000,
            "total_liabilities": 50000000,
            "net_profit": 8000000,
            "rd_expense": 4000000,
        },
    },
    "equity_financing": [{"date": "2023-03-15", "amount": 40000000, "qualified_investor": True}],
    "ip": [
        {
            "type": "invention_patent",
            "category": "I",
            "related_to_main_product": True,
            "self_developed": True,
            "high_value": True,
            "applied_with_benefit": True,
            "granted": "2020-05-01",
        }
    ],
    "rd_institutions": [{"level": "provincial", "kind": "enterprise_technology_center"}],
    "awards": [{"kind": "science_award", "level": "provincial", "rank": 2, "year": 2022}],
    "honours": [{"kind": "high_tech_enterprise", "valid_until": "2025-12-31"}],
    "quality": {"management_system_cert": True, "own_brand": True, "standards_participation": True},
    "main_product": {
        "name": "精密减速器",
        "strategic_emerging": True,
        "field": "chain_breakthrough",
        "key_field": "six_bases",
        "supports_key_chain": True,
        "national_market_share": 0.15,
        "international_market_share": None,
        "domestic_rank": 2,
    },
    "digital_level": 3,
    "core_business_on_information_system": True,
    "compliance": {
        "abnormal_operation_list": False,
        "seriously_dishonest": False,
        "prohibited_products": False,
        "major_incident_last_3_years": False,
    },
    "recognitions": [{"tier": "specialized", "since": "2023-11-08", "until": "2026-11-07"}],
    "development_score": {"2025": 68},
    "local_indicators": {},
}
AS_OF = dt.date(2024, 6, 30)


@pytest.fixture
def sample():
    return json.loads(json.dumps(SAMPLE))
