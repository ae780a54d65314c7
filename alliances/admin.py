"""Django admin is the platform operators' tool, and theirs alone.

The audit log is deliberately absent: auditors and audit administrators read it in their own pages.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Alliance, Grant, Job, User


def restrict_admin_to_platform_operators(site: admin.AdminSite) -> None:
    from django.contrib.auth.models import Group

    if site.is_registered(Group):
        site.unregister(Group)  # roles live in the permission matrix, not in groups
    site.site_header = _("Chanjiao platform administration")
    site.site_title = _("Chanjiao administration")

    def has_permission(request):
        return _is_operator(request.user) and request.user.is_staff

    site.has_permission = has_permission


def _is_operator(user) -> bool:
    return getattr(user, "is_platform_operator", False) and user.is_active


class OperatorAdmin(admin.ModelAdmin):
    """Operators hold the platform duty itself; Django's per-model permissions are not used for them."""

    def has_module_permission(self, request):
        return _is_operator(request.user)

    def has_view_permission(self, request, obj=None):
        return _is_operator(request.user)

    def has_add_permission(self, request):
        return _is_operator(request.user)

    def has_change_permission(self, request, obj=None):
        return _is_operator(request.user)

    def has_delete_permission(self, request, obj=None):
        return _is_operator(request.user)


@admin.register(Alliance)
class AllianceAdmin(OperatorAdmin):
    list_display = ["name", "short_name", "slug", "kind", "region_code", "status", "founded_on"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "short_name", "slug"]
    prepopulated_fields = {"slug": ["short_name"]}


@admin.register(User)
class ChanjiaoUserAdmin(OperatorAdmin, UserAdmin):
    list_display = ["username", "name", "email", "mobile", "platform_role", "is_active"]
    list_filter = ["platform_role", "is_active"]
    search_fields = ["username", "name", "email", "mobile"]
    ordering = ["username"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("name", "email", "mobile")}),
        (_("Platform"), {"fields": ("platform_role", "is_active", "is_staff")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "name", "email", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined", "password_changed_at"]


class GrantAdminForm(forms.ModelForm):
    """The alliance is not editable on tenant models; operators choose it when they grant the first roles."""

    alliance = forms.ModelChoiceField(queryset=Alliance.objects.all(), label=_("alliance"))

    class Meta:
        model = Grant
        fields = ["user", "role", "member_unit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["alliance"].initial = self.instance.alliance_id
            self.fields["alliance"].disabled = True

    def save(self, commit=True):
        self.instance.alliance = self.cleaned_data["alliance"]
        return super().save(commit)


@admin.register(Grant)
class GrantAdmin(OperatorAdmin):
    form = GrantAdminForm
    list_display = ["user", "alliance", "role", "member_unit", "granted_at"]
    list_filter = ["role", "alliance"]
    search_fields = ["user__username", "user__name"]
    raw_id_fields = ["user", "member_unit", "granted_by"]


@admin.register(Job)
class JobAdmin(OperatorAdmin):
    list_display = ["id", "alliance", "kind", "status", "progress", "created_at", "finished_at"]
    list_filter = ["status", "kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
