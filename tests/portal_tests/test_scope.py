"""Region scope decided in one place: officials see their subtree, enterprises only themselves."""

from portal.accounts.scope import enterprise_in_scope, scope_enterprises
from portal.enterprises.models import Enterprise

from .factories import make_enterprise
from .test_cultivation_helpers import credit_code


def test_officials_see_their_subtree_only(gov, hz_enterprise):
    cd = make_enterprise(
        "成都某某科技有限公司", region="510107", credit_code=credit_code("91510107MA6C3X1Y2")
    )
    seen = {
        k: set(scope_enterprises(u, Enterprise.objects.all()).values_list("name", flat=True))
        for k, u in gov.items()
    }
    assert seen["national"] == {hz_enterprise.name, cd.name}
    assert seen["zj_province"] == seen["hz_city"] == seen["xh_county"] == {hz_enterprise.name}
    assert seen["yh_county"] == set()
    assert seen["sc_province"] == seen["cd_city"] == {cd.name}
    assert not enterprise_in_scope(gov["yh_county"], hz_enterprise)


def test_enterprise_user_sees_only_its_enterprise(hz_owner, hz_enterprise):
    make_enterprise("余杭某某电子有限公司", region="330110", credit_code=credit_code("91330110MA2H8K9L3"))
    assert list(scope_enterprises(hz_owner, Enterprise.objects.all())) == [hz_enterprise]


def test_an_official_without_a_region_sees_nothing_not_everything(hz_enterprise):
    """Before, a county, city or province account saved without its region code (the admin picks the role,
    then forgets the code) had the prefix '' and saw and acted on every enterprise in the country."""
    import pytest
    from django.core.exceptions import ValidationError

    from portal.accounts.roles import Role

    from .factories import make_user

    for role, code in ((Role.COUNTY, ""), (Role.CITY, "33"), (Role.PROVINCE, "")):
        official = make_user(f"gov-{role}-{code or 'none'}", role, region_code=code)
        assert official.region_prefix is None
        assert list(scope_enterprises(official, Enterprise.objects.all())) == []
        assert not enterprise_in_scope(official, hz_enterprise)
        with pytest.raises(ValidationError) as refused:
            official.full_clean()
        assert "region_code" in refused.value.message_dict
    national = make_user("gov-cn", Role.NATIONAL)
    national.full_clean()
    assert list(scope_enterprises(national, Enterprise.objects.all())) == [hz_enterprise]


def test_an_official_without_a_region_cannot_publish_open_or_review_for_the_country(db):
    import datetime as dt

    import pytest

    from portal.accounts.roles import Role
    from portal.actions import ActionError
    from portal.cultivation import actions as cultivation
    from portal.policies import actions as policies
    from portal.services.selectors import reviewable_q

    from .factories import make_user

    province = make_user("gov-zj-blank", Role.PROVINCE)
    assert policies.official_level(province) is None
    assert reviewable_q(province) is None
    today = dt.date.today()
    with pytest.raises(ActionError):
        cultivation.open_batch(
            province, tier="specialized", year=today.year, name="全国?", opens_on=today, closes_on=today
        )


def test_an_official_without_a_region_gets_no_policy_list_nor_clusters(gov):
    """The policy and cluster modules widened a missing prefix to '' (`region_prefix or ""`): a blank-region
    official could read any policy's eligible-enterprise list, confirm grants anywhere and see every cluster."""
    import pytest

    from portal.accounts.roles import Role
    from portal.accounts.scope import OutOfScope
    from portal.clusters import actions as clusters
    from portal.clusters.access import clusters_for
    from portal.policies import actions as policies
    from portal.policies.models import Policy

    from .factories import make_user
    from .test_clusters import CLUSTER_DATA

    clusters.create_cluster(gov["zj_province"], CLUSTER_DATA)
    blank = make_user("gov-city-blank", Role.CITY)
    policy = Policy(title="全国政策", level="national", region_code="", region_prefix="")
    with pytest.raises(OutOfScope):
        policies.list_prefix(blank, policy)
    assert not policies.may_confirm(blank, policy)
    assert list(clusters_for(blank)) == []
    assert len(clusters_for(gov["hz_city"])) == 1
