import pytest

from portal.accounts.roles import Role

from .factories import make_enterprise, make_user, officials


@pytest.fixture
def gov(db):
    return officials()


@pytest.fixture
def hz_enterprise(db):
    return make_enterprise()


@pytest.fixture
def hz_owner(hz_enterprise):
    return make_user("ent-hz", Role.ENTERPRISE, enterprise=hz_enterprise, full_name="财务经理 周敏")
