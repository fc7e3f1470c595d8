import pytest
from django.utils import translation

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


@pytest.fixture(autouse=True)
def _back_to_chinese():
    """LocaleMiddleware activates a page's language (English, with the cookie) in this thread and leaves it active;
    every test starts in the default language whatever ran before it."""
    yield
    translation.deactivate()
