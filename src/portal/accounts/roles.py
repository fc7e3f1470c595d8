"""The roles of the platform and the administrative level each official role works at."""

from django.db import models


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", "企业用户"
    COUNTY = "county", "县级主管部门"
    CITY = "city", "市级主管部门"
    PROVINCE = "province", "省级主管部门"
    NATIONAL = "national", "国家级主管部门"
    PROVIDER = "provider", "服务机构"
    ADMIN = "admin", "平台管理员"


OFFICIAL_ROLES = (Role.COUNTY, Role.CITY, Role.PROVINCE, Role.NATIONAL)

# How many leading digits of a 6-digit GB/T 2260 code an official's region keeps: the subtree they see.
PREFIX_DIGITS = {Role.NATIONAL: 0, Role.PROVINCE: 2, Role.CITY: 4, Role.COUNTY: 6}

# Ladder of levels from the bottom up, for "the level above me".
LEVELS = (Role.COUNTY, Role.CITY, Role.PROVINCE, Role.NATIONAL)
