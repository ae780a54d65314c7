"""Generic views for pages inside an alliance: permission by action, scoped objects, filters, pagination.

Every page under /a/<alliance_slug>/ builds on `AllianceView`; the middleware has already checked the
grant and entered the scope, so querysets come straight from the model's (scoped) default manager.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404
from django.views.generic import DetailView, ListView, TemplateView

from .access import Membership

PAGE_SIZE = 25


class AllianceView:
    """Mixin: needs `required_action` and a membership that allows it (403 otherwise)."""

    required_action: str | None = None

    def dispatch(self, request, *args, **kwargs):
        membership: Membership | None = getattr(request, "membership", None)
        if membership is None:
            raise Http404
        if self.required_action is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must declare required_action")
        if not membership.can(self.required_action):
            raise PermissionDenied
        self.alliance = request.alliance
        self.membership = membership
        return super().dispatch(request, *args, **kwargs)


class AlliancePageView(AllianceView, TemplateView):
    pass


class AllianceListView(AllianceView, ListView):
    """A scoped, filtered, paginated list. Subclasses give `model` (or `get_queryset`) and `filterset_class`."""

    filterset_class = None
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(
                self.request.GET or None, queryset=queryset, request=self.request
            )
            if self.filterset.is_bound and self.filterset.is_valid():
                queryset = self.filterset.qs
        else:
            self.filterset = None
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        return context


class AllianceDetailView(AllianceView, DetailView):
    """Looks the object up by `<model_name>_id` in the URL, through the scoped manager (404 if out of scope)."""

    def get_object(self, queryset=None):
        queryset = queryset if queryset is not None else self.get_queryset()
        key = f"{queryset.model._meta.model_name}_id"
        try:
            return queryset.get(pk=self.kwargs[key])
        except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404 from exc


class AllianceObjectMixin:
    """Form and action views about one object of the alliance: after AllianceView's permission check, looks the
    object up by `<model_name>_id` through the scoped manager (404 when it is missing or out of scope) and keeps
    it as `self.<target_attribute>`. Put it after AllianceView in the bases so the check comes first."""

    target_model = None
    target_attribute = "target"

    def dispatch(self, request, *args, **kwargs):
        key = f"{self.target_model._meta.model_name}_id"
        target = self.target_model.objects.filter(pk=kwargs.get(key)).first()
        if target is None:
            raise Http404
        setattr(self, self.target_attribute, target)
        return super().dispatch(request, *args, **kwargs)
