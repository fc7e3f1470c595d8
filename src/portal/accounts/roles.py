"""The roles of the platform and the administrative level each official role works at."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业用户")
    COUNTY = "county", _("县级主管部门")
    CITY = "city", _("市级主管部门")
    PROVINCE = "province", _("省级主管部门")
    NATIONAL = "national", _("国家级主管部门")
    PROVIDER = "provider", _("服务机构")
    ADMIN = "admin", _("平台管理员")


OFFICIAL_ROLES = (Role.COUNTY, Role.CITY, Role.PROVINCE, Role.NATIONAL)

# How many leading digits of a 6-digit GB/T 2260 code an official's region keeps: the subtree they see.
PREFIX_DIGITS = {Role.NATIONAL: 0, Role.PROVINCE: 2, Role.CITY: 4, Role.COUNTY: 6}

# Ladder of levels from the bottom up, for "the level above me".
LEVELS = (Role.COUNTY, Role.CITY, Role.PROVINCE, Role.NATIONAL)
