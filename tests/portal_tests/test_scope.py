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
