"""Django admin is the platform operators' tool, and theirs alone.

The audit log is deliberately absent: auditors and audit administrators read it in their own pages.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from .audit import record_event
from .models import Alliance, Grant, Job, User


def _is_operator(user) -> bool:
    return getattr(user, "is_platform_operator", False) and user.is_active


def _operators_only(request) -> bool:
    return _is_operator(request.user) and request.user.is_staff


admin.site.site_header = _("Chanjiao platform administration")
admin.site.site_title = _("Chanjiao administration")
admin.site.has_permission = _operators_only
admin.site.unregister(Group)  # roles live in the permission matrix, not in groups
# Authenticator keys are secrets and resetting them is the security administrator's duty (their own page).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


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

    alliance_choice = forms.ModelChoiceField(queryset=Alliance.objects.all(), label=_("alliance"))

    class Meta:
        model = Grant
        fields = ["user", "role", "member_unit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["alliance_choice"].initial = self.instance.alliance_id
            self.fields["alliance_choice"].disabled = True

    def clean(self):
        cleaned = super().clean()
        alliance, unit = cleaned.get("alliance_choice"), cleaned.get("member_unit")
        if alliance and unit and unit.alliance_id != alliance.pk:
            self.add_error("member_unit", _("The member unit belongs to another alliance."))
        return cleaned

    def save(self, commit=True):
        self.instance.alliance = self.cleaned_data["alliance_choice"]
        return super().save(commit)


@admin.register(Grant)
class GrantAdmin(OperatorAdmin):
    """Operators grant the first roles of a new alliance here; every change is audited like the UI's."""

    form = GrantAdminForm

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
        record_event(
            "grant.changed" if change else "grant.created",
            obj,
            detail={"user": obj.user.username, "role": obj.role},
        )

    def delete_model(self, request, obj):
        record_event("grant.revoked", obj, detail={"user": obj.user.username, "role": obj.role})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for grant in queryset:
            self.delete_model(request, grant)

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


# API tokens: operators issue them for users (docs/api.md); the user's grants decide what a token may do.
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiTokenAdmin(OperatorAdmin, TokenAdmin):
    pass
