"""A user of the platform: one role, and for officials one region (the subtree they may see)."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .roles import OFFICIAL_ROLES, PREFIX_DIGITS, Role


class UserManager(DjangoUserManager):
    """`createsuperuser` makes a platform administrator: with the model's default role (enterprise) the first
    administrator got the enterprise's menu and a 403 on most pages."""

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.ENTERPRISE)
    # Officials: the 6-digit GB/T 2260 code of their area (510000 province, 510100 city, 510104 county);
    # empty for the national level. Enterprises inherit the enterprise's region.
    region_code = models.CharField(_("所属地区代码"), max_length=6, blank=True, default="")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    organisation = models.CharField(_("单位名称"), max_length=200, blank=True, default="")
    phone = models.CharField(_("手机号"), max_length=20, blank=True, default="")

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def is_official(self) -> bool:
        return self.role in OFFICIAL_ROLES

    @property
    def is_enterprise_user(self) -> bool:
        return self.role == Role.ENTERPRISE and self.enterprise_id is not None

    @property
    def has_region(self) -> bool:
        """A national official needs no code; every other official a 6-digit GB/T 2260 code."""
        return self.role == Role.NATIONAL or (len(self.region_code or "") == 6 and self.region_code.isdigit())

    @property
    def region_prefix(self) -> str | None:
        """The code prefix an official sees ('' = the whole country); None for non-officials, and for an
        official below national level whose region code is missing or malformed: such an account sees
        nothing rather than, with the prefix '', the whole country."""
        if not self.is_official or not self.has_region:
            return None
        return self.region_code[: PREFIX_DIGITS[Role(self.role)]]

    def clean(self):
        """Refuse (in the admin) an official's region code that does not give the area the role works at."""
        super().clean()
        problems = {"is_superuser": self.superuser_problem(), "enterprise": self.enterprise_problem()}
        if self.is_official:
            problems["region_code"] = self.region_problem()
        problems = {field: message for field, message in problems.items() if message}
        if problems:
            raise ValidationError(problems)

    def superuser_problem(self) -> str:
        """A superuser sees and acts on every region (scope treats it as the administrator): ticked on an official's
        account, as the deployer guide warns against, a county official worked on the whole country."""
        if self.is_superuser and self.role != Role.ADMIN:
            return gettext(
                "只有角色为“平台管理员”的账户可以勾选“超级用户状态”：超级用户能看到和办理全国所有地区的事项。"
                "请取消勾选，或把角色改为平台管理员。"
            )
        return ""

    def enterprise_problem(self) -> str:
        """Only an enterprise user belongs to an enterprise: an official or provider with one also read that
        enterprise's messages in their inbox."""
        if self.enterprise_id and self.role != Role.ENTERPRISE:
            return gettext("只有企业用户关联“所属企业”：%(role)s账户请清空此项。") % {
                "role": Role(self.role).label
            }
        return ""

    def region_problem(self) -> str:
        """Why this official's region code is wrong, or ''. A code of another level or an unknown code was
        accepted before: a county account with its city's code (510100) or a code that does not exist (999999)
        signed in and saw no enterprise at all, and nothing said why."""
        if self.role == Role.NATIONAL:
            return (
                ""
                if not self.region_code
                else gettext("国家级主管部门账户的所属地区代码须留空（国家级看全国）。")
            )
        if not self.has_region:
            return gettext("县级、市级、省级主管部门账户须填写 6 位行政区划代码（如 330106）；国家级留空。")
        from portal.assessments.engine import region

        found = region(self.region_code)
        if found is None:
            return gettext(
                "所属地区代码 %(code)s 不是有效的行政区划代码（GB/T 2260），请核对后重填（如 330106）。"
            ) % {"code": self.region_code}
        if not _level_fits(Role(self.role), self.region_code, found[1]):
            return gettext(
                "%(name)s（%(code)s）不是%(role)s的地区代码：省级填省代码（如 330000），"
                "市级填市代码（如 330100），县级填区县代码（如 330106）。"
            ) % {"name": found[0], "code": self.region_code, "role": Role(self.role).label}
        return ""

    def save(self, *args, **kwargs):
        """A new password (the administrator's reset, or the holder's own change) lifts the sign-in lock: the
        lock message sends a locked-out user to the administrator for a reset, and the reset did not let them in."""
        password_set = self._password is not None
        super().save(*args, **kwargs)
        if password_set:
            from . import throttle

            throttle.clear(self.username)

    def display_name(self) -> str:
        return self.get_full_name() or self.username


def _level_fits(role: Role, code: str, level: str) -> bool:
    """A province account takes a province code, a county account a county code, a city account a city code
    or the code of a city without counties (东莞 441900, listed among the counties)."""
    if role == Role.CITY:
        return level == "city" or (level == "county" and code.endswith("00"))
    return level == {Role.PROVINCE: "province", Role.COUNTY: "county"}[role]


class LoginFailure(models.Model):
    """Failed sign-ins in a row for one user name (portal.accounts.throttle), shared by every web process."""

    name = models.CharField(_("用户名"), max_length=200, unique=True)
    count = models.PositiveIntegerField(_("连续失败次数"), default=0)
    last_at = models.DateTimeField(_("最近一次失败"))

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")

    def __str__(self) -> str:
        return f"{self.name} ×{self.count}"
