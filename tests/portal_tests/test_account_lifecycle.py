"""The platform administrator's work on accounts: opening official accounts, resetting passwords, moving people."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from portal.accounts.roles import Role

from .factories import make_user

pytestmark = pytest.mark.django_db


def region_error(role: Role, code: str) -> str:
    """The admin's message for this role and code, '' when the account is accepted."""
    official = make_user(f"gov-{role}-{code or 'none'}", role, region_code=code)
    try:
        official.full_clean()
    except ValidationError as refused:
        return " ".join(refused.message_dict.get("region_code", []))
    return ""


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.COUNTY, "510100"),  # the city's code for a county account: it saw nothing
        (Role.COUNTY, "999999"),  # a code that does not exist
        (Role.CITY, "510000"),  # the province's code for a city account (prefix 5100: nothing)
        (Role.CITY, "510104"),  # a county's code for a city account
        (Role.PROVINCE, "510104"),
        (Role.NATIONAL, "510000"),
    ],
)
def test_an_official_account_with_a_code_of_another_level_or_no_such_code_is_refused(role, code):
    message = region_error(role, code)
    assert message
    if role != Role.NATIONAL:
        assert code in message  # names what was typed


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.COUNTY, "510104"),
        (Role.COUNTY, "110101"),  # 北京 districts
        (Role.CITY, "510100"),
        (Role.CITY, "441900"),  # 东莞: a city without counties
        (Role.PROVINCE, "510000"),
        (Role.NATIONAL, ""),
    ],
)
def test_an_official_account_with_the_code_of_its_level_is_accepted(role, code):
    assert region_error(role, code) == ""


def test_a_password_reset_by_the_administrator_lifts_the_sign_in_lock(client):
    """The lock message says: wait, or ask the administrator to reset the password. The reset kept the lock."""
    from portal.accounts import throttle

    official = make_user("gov-xh", Role.COUNTY, region_code="330106")
    for _ in range(throttle.max_failures()):
        client.post("/accounts/login/", {"username": "gov-xh", "password": "guess"})
    assert throttle.is_locked("gov-xh")

    admin = make_user("root", Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    staff = client.__class__()
    staff.force_login(admin)
    resp = staff.post(
        f"/admin/accounts/user/{official.pk}/password/",
        {"password1": "Reset-pass-2026q", "password2": "Reset-pass-2026q", "usable_password": "true"},
    )
    assert resp.status_code == 302
    assert not throttle.is_locked("gov-xh")
    client.post("/accounts/login/", {"username": "gov-xh", "password": "Reset-pass-2026q"})
    assert "_auth_user_id" in client.session


def superuser_client(client):
    admin = make_user("root", Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def test_the_admin_shows_workflow_rows_and_the_audit_trail_but_cannot_change_them(
    client, gov, hz_enterprise, hz_owner, settings, tmp_path
):
    """The admin's forms changed an application's enterprise or batch, a recognition's validity, an audit entry's
    text, with no audit row and none of the action functions' checks; now they only show them."""
    from portal.audit.models import AuditEntry
    from portal.cultivation.models import Application

    from .test_cultivation_helpers import open_batch, submitted

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    app = submitted(hz_owner, hz_enterprise, open_batch(gov))
    entry = AuditEntry.objects.first()
    superuser_client(client)
    for model, pk in (("cultivation/application", app.pk), ("audit/auditentry", entry.pk)):
        assert client.get(f"/admin/{model}/").status_code == 200
        assert client.get(f"/admin/{model}/{pk}/change/").status_code == 200  # view only
        assert client.get(f"/admin/{model}/add/").status_code == 403
        assert client.post(f"/admin/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"action": "forged", "target_type": "x"})
    entry.refresh_from_db()
    assert entry.action != "forged"
    assert Application.objects.filter(pk=app.pk, enterprise=hz_enterprise).exists()


def test_the_user_page_finds_the_enterprise_by_search_instead_of_listing_every_enterprise(
    client, hz_enterprise
):
    """A second account for a registered enterprise is opened here; the page listed every enterprise in a <select>."""
    from .factories import make_enterprise
    from .test_cultivation_helpers import credit_code

    other = make_enterprise(
        "余杭某某电子有限公司", region="330110", credit_code=credit_code("91330110MA2H8K9L3")
    )
    colleague = make_user("ent-hz-2", Role.ENTERPRISE, enterprise=hz_enterprise)
    superuser_client(client)
    page = client.get(f"/admin/accounts/user/{colleague.pk}/change/").content.decode()
    assert hz_enterprise.name in page and other.name not in page
    found = client.get(
        "/admin/autocomplete/",
        {"term": "余杭", "app_label": "accounts", "model_name": "user", "field_name": "enterprise"},
    ).json()
    assert [r["text"] for r in found["results"]] == [str(other)]


def test_an_official_cannot_be_made_superuser_nor_tied_to_an_enterprise(hz_enterprise):
    """A county official with 超级用户状态 ticked saw every enterprise in the country; one left with an enterprise
    read that enterprise's messages."""
    official = make_user("gov-xh", Role.COUNTY, region_code="330106")
    official.is_superuser = official.is_staff = True
    official.enterprise = hz_enterprise
    with pytest.raises(ValidationError) as refused:
        official.full_clean()
    assert set(refused.value.message_dict) == {"is_superuser", "enterprise"}
    admin = make_user("root", Role.ADMIN)
    admin.is_superuser = admin.is_staff = True
    admin.full_clean()


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "密码太短，至少需要 8 个字符。"), ("en", "it must have at least 8 characters")],
)
def test_changing_ones_password_to_a_short_one_says_so_in_the_pages_language(
    client, settings, language, expected
):
    """The Chinese page said "This password is too short. It must contain at least 8 characters." in English."""
    from .factories import PASSWORD

    client.force_login(make_user("gov-xh", Role.COUNTY, region_code="330106"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": "Xq7#a", "new_password2": "Xq7#a"}
    ).content.decode()
    assert expected in page
    if language == "zh-hans":
        assert "too short" not in page


def user_form(user, **changes) -> dict:
    """The admin's user change form as posted, with the provider membership inline (empty unless given)."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": "",
        "email": "",
        "is_active": "on",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
        "role": user.role,
        "region_code": user.region_code,
        "enterprise": "",
        "organisation": "",
        "phone": "",
        "provider_membership-TOTAL_FORMS": "0",
        "provider_membership-INITIAL_FORMS": "0",
        "provider_membership-MIN_NUM_FORMS": "0",
        "provider_membership-MAX_NUM_FORMS": "1",
    }
    data.update(changes)
    return data


def test_the_administrator_adds_a_colleague_to_a_service_institution_and_it_is_audited(client):
    """Registration made the institution's only user; a colleague or a leaver's successor could not be added."""
    from portal.audit.models import AuditEntry
    from portal.services import actions
    from portal.services.models import ProviderMembership

    from .test_services import register

    first, institution = register("svc-hz", "杭州某某服务中心", "city", "330100")
    colleague = make_user("svc-hz-2", Role.PROVIDER)
    superuser_client(client)
    inline = {
        "provider_membership-TOTAL_FORMS": "1",
        "provider_membership-0-institution": str(institution.pk),
        "provider_membership-0-user": str(colleague.pk),
        "provider_membership-0-id": "",
    }
    resp = client.post(f"/admin/accounts/user/{colleague.pk}/change/", user_form(colleague, **inline))
    assert resp.status_code == 302, resp.content.decode()[:3000]
    colleague.refresh_from_db()
    assert actions.membership_of(colleague).institution == institution
    assert AuditEntry.objects.filter(action="services.member_added", target_id=str(institution.pk)).exists()

    owner = make_user("ent-x", Role.ENTERPRISE)
    resp = client.post(f"/admin/accounts/user/{owner.pk}/change/", user_form(owner, **inline))
    assert resp.status_code == 200
    assert "请先把该账户的角色改为服务机构" in resp.content.decode()
    assert not ProviderMembership.objects.filter(user=owner).exists()


def test_the_admin_cannot_move_an_enterprise_past_the_profile_editors_checks(client, hz_enterprise):
    """The admin's form saved a new region in the column only: the profile kept the old one, and an application in
    review would have gone to another region's officials without the profile editor's lock."""
    superuser_client(client)
    assert client.get(f"/admin/enterprises/enterprise/{hz_enterprise.pk}/change/").status_code == 200
    assert client.get(f"/admin/enterprises/enterprise/{hz_enterprise.pk}/history/").status_code == 200
    client.post(
        f"/admin/enterprises/enterprise/{hz_enterprise.pk}/change/",
        {
            "name": hz_enterprise.name,
            "credit_code": hz_enterprise.credit_code,
            "region": "510107",
            "industry": hz_enterprise.industry,
            "profile": json.dumps(hz_enterprise.profile),
            "version": str(hz_enterprise.version),
        },
    )
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.region == "330106" and hz_enterprise.profile["region"] == "330106"
