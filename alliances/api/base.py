"""The base of every API view under /api/v1/alliances/<alliance_slug>/.

After DRF has authenticated the request (session or token), the alliance is resolved, the grant
checked (404 without one, like a missing object) and the scope entered; the view's action is then
checked against the permission matrix. Querysets come from scoped default managers.
"""

from __future__ import annotations

from django.http import Http404
from rest_framework import exceptions, viewsets
from rest_framework.permissions import BasePermission

from ..access import access_alliance_by_slug
from ..audit import identify_actor
from ..middleware import ALLIANCE_URL_KWARG
from ..net import client_address
from ..tenancy import Scope, set_scope


class HasAllianceAction(BasePermission):
    """Checks `view.required_actions[view.action]` (or `view.required_action`) against the user's roles."""

    def has_permission(self, request, view):
        action = view.get_required_action()
        return action is not None and request.membership.can(action)


class AllianceAPIMixin:
    permission_classes = [HasAllianceAction]
    required_action: str | None = None
    required_actions: dict[str, str] = {}
    lookup_url_kwarg = None  # set per view as "<model>_id"

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = self.get_format_suffix(**kwargs)
        neg = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = neg
        version, scheme = self.determine_version(request, *args, **kwargs)
        request.version, request.versioning_scheme = version, scheme

        self.perform_authentication(request)
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        identify_actor(request.user, client_address(request))
        try:
            membership = access_alliance_by_slug(request.user, kwargs[ALLIANCE_URL_KWARG])
        except Http404 as exc:
            raise exceptions.NotFound() from exc
        request.alliance = request._request.alliance = membership.alliance
        request.membership = request._request.membership = membership
        # The request middleware resets the scope when the response leaves.
        set_scope(Scope(alliance_ids=frozenset({membership.alliance.pk})))
        self.alliance = membership.alliance
        self.membership = membership
        self.check_permissions(request)
        self.check_throttles(request)

    def get_required_action(self) -> str | None:
        return self.required_actions.get(getattr(self, "action", None), self.required_action)


class AllianceModelViewSet(AllianceAPIMixin, viewsets.GenericViewSet):
    """Base viewset: scoped queryset, shared FilterSet, standard pagination, `<model>_id` lookups."""

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        key = self.lookup_url_kwarg or f"{queryset.model._meta.model_name}_id"
        try:
            obj = queryset.get(pk=self.kwargs[key])
        except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
            raise exceptions.NotFound() from exc
        self.check_object_permissions(self.request, obj)
        return obj
