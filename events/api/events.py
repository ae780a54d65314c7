"""The API of events, their agenda, registrations and check-in.

- `events/`: list (the filters of the list page: `q`, `kind`, `status`, `starts_from`, `starts_until`,
  `host_unit`), read; staff create, PATCH and DELETE (drafts only) and move an event through its steps:
  `publish`, `finish`, `cancel` (with a reason), `minutes`; `check-in` (POST `code`: the address the QR code
  encodes, or the bare token) checks a person in at the event.
- `agenda-items/`: the agenda (`?event=`); staff add, PATCH, DELETE and `move` items up or down.
- `registrations/`: list (`?event=`, `status`, `member_unit`, `q`) and read; a representative registers people
  of their own unit (POST) and `cancel`s their registrations; staff register a unit `on-behalf`, `confirm`,
  `secretariat-cancel` and `check-in` by hand.

Members see published, finished and cancelled events; staff see drafts too. Registrations are visible to staff
and the bureau (mobile masked unless the role may reveal personal data) and to the registrant's own unit. Bad
input answers 400; a step the event's or registration's state does not allow answers 409 (e.g. registering
after the deadline, cancelling a checked-in registration, publishing a cancelled event).
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from alliances.api.base import AllianceModelViewSet
from alliances.api.errors import Conflict, ErrorSerializer
from alliances.governance import Resolution
from alliances.permissions import Action
from alliances.personal_data import mask_mobile
from members.models import MemberUnit

from ..filters import EventFilter, RegistrationFilter
from ..models import (
    PLACE_HOLDING_STATUSES,
    AgendaItem,
    Event,
    EventAttachment,
    Registration,
    RegistrationStatus,
)
from ..services import events as services
from ..services import registrations as registration_services

# --- Errors ----------------------------------------------------------------------------------------------


INVALID = OpenApiResponse(ErrorSerializer, description=_("Invalid input: `details` has the field errors."))
CONFLICT = OpenApiResponse(
    ErrorSerializer, description=_("The event's or the registration's state does not allow it.")
)


def run_service(call):
    """A step the state does not allow becomes 409; other ValidationErrors answer 400 (the error handler)."""
    try:
        return call()
    except (services.EventConflict, registration_services.RegistrationConflict) as exc:
        raise Conflict(" ".join(exc.messages)) from exc
    except registration_services.NotThisEvent as exc:
        raise serializers.ValidationError({"code": exc.messages}) from exc


# --- Serializers -----------------------------------------------------------------------------------------


class AgendaItemSerializer(serializers.ModelSerializer):
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.all())

    class Meta:
        model = AgendaItem
        fields = ["id", "event", "position", "starts_at", "topic", "speaker", "speaker_unit"]
        read_only_fields = ["id", "position"]

    def validate_event(self, value):
        if self.instance is not None and value.pk != self.instance.event_id:
            raise serializers.ValidationError(_("An agenda item cannot move to another event."))
        return value


class AgendaMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = EventAttachment
        fields = ["id", "kind", "title", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        request = self.context["request"]
        path = reverse(
            "event-attachment",
            kwargs={"alliance_slug": request.alliance.slug, "eventattachment_id": attachment.pk},
        )
        return request.build_absolute_uri(path)


class EventSerializer(serializers.ModelSerializer):
    """An event in the list (places counted in the same query)."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    host_unit_name = serializers.CharField(source="host_unit.name", read_only=True, default=None)
    organisers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    places_taken = serializers.IntegerField(read_only=True)
    waitlisted = serializers.IntegerField(read_only=True)

    class Meta:
        model = Event
        fields = [
            "id", "kind", "kind_display", "title", "starts_at", "ends_at", "venue", "host_unit", "host_unit_name",
            "organisers", "description", "status", "status_display", "capacity", "quota_per_unit",
            "registration_opens", "registration_deadline", "places_taken", "waitlisted", "meeting", "published_at",
            "cancellation_reason", "uid", "sequence", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class EventResolutionBrief(serializers.ModelSerializer):
    class Meta:
        model = Resolution
        fields = ["id", "number", "subject", "title", "passed"]
        read_only_fields = fields


class EventAttendanceCounts(serializers.Serializer):
    registered = serializers.IntegerField()
    waitlisted = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    checked_in = serializers.IntegerField()
    no_show = serializers.IntegerField()
    cancelled = serializers.IntegerField()


class EventDetailSerializer(EventSerializer):
    """One event with its agenda, attachments, minutes, attendance by status and, for council meetings, the
    resolutions of the linked governance meeting."""

    agenda = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    attendance = serializers.SerializerMethodField()
    resolutions = serializers.SerializerMethodField()
    registration_closed_reason = serializers.SerializerMethodField()

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "minutes", "agenda", "attachments", "attendance", "resolutions",
                  "registration_closed_reason"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(AgendaItemSerializer(many=True))
    def get_agenda(self, event):
        items = sorted(event.agenda.all(), key=lambda i: (i.position, i.starts_at is None, i.starts_at, i.pk))
        return AgendaItemSerializer(items, many=True).data

    @extend_schema_field(EventAttendanceCounts)
    def get_attendance(self, event) -> dict:
        return registration_services.attendance_counts(event)

    @extend_schema_field(EventResolutionBrief(many=True))
    def get_resolutions(self, event):
        return EventResolutionBrief(services.meeting_resolutions(event), many=True).data

    def get_registration_closed_reason(self, event) -> str | None:
        return registration_services.registration_closed_reason(event)


class EventWriteSerializer(serializers.ModelSerializer):
    """Create or change an event. Related ids are of this alliance only; the rules are the service's."""

    host_unit = serializers.PrimaryKeyRelatedField(
        queryset=MemberUnit.objects.all(), allow_null=True, required=False
    )
    organisers = serializers.PrimaryKeyRelatedField(
        many=True, queryset=MemberUnit.objects.all(), required=False
    )

    class Meta:
        model = Event
        fields = [*services.FIELDS, "organisers"]
        validators = []  # the service checks (end after start, quota within capacity…)


class EventCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class EventMinutesSerializer(serializers.Serializer):
    minutes = serializers.CharField(allow_blank=True)


class CheckInCodeSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=500,
        help_text=_("What the scanner read: the address the QR code encodes, or the bare token."),
    )


class RegistrationSerializer(serializers.ModelSerializer):
    event_title = serializers.CharField(source="event.title", read_only=True)
    member_unit_name = serializers.CharField(source="member_unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    mobile = serializers.SerializerMethodField()
    check_in_url = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id", "event", "event_title", "member_unit", "member_unit_name", "person_name", "person_title", "mobile",
            "status", "status_display", "waitlisted_at", "checked_in_at", "cancelled_at", "created_at", "check_in_url",
        ]  # fmt: skip
        read_only_fields = fields

    def _membership(self):
        return getattr(self.context.get("request"), "membership", None)

    def get_mobile(self, registration) -> str:
        membership = self._membership()
        if membership is not None and (
            membership.can(Action.REVEAL_PERSONAL_DATA)
            or registration_services.shows_mobile(membership, registration)
        ):
            return registration.mobile
        return mask_mobile(registration.mobile)

    def get_check_in_url(self, registration) -> str | None:
        """What the QR code encodes; only for staff and the registrant's own unit."""
        membership, request = self._membership(), self.context.get("request")
        if membership is None or not registration_services.acts_for(membership, registration):
            return None
        path = reverse(
            "event-check-in",
            kwargs={"alliance_slug": request.alliance.slug, "event_id": registration.event_id},
        )
        return request.build_absolute_uri(f"{path}?code={registration.check_in_token}")


class RegisterSerializer(serializers.Serializer):
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.all())
    person_name = serializers.CharField(max_length=50)
    person_title = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    mobile = serializers.CharField(max_length=11, required=False, allow_blank=True, default="")


class RegisterOnBehalfSerializer(RegisterSerializer):
    member_unit = serializers.PrimaryKeyRelatedField(queryset=MemberUnit.objects.all())


class CheckInResultSerializer(serializers.Serializer):
    registration = RegistrationSerializer()
    already_checked_in = serializers.BooleanField()


# --- Events -----------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Events, filtered as on the event list page")),
    retrieve=extend_schema(responses=EventDetailSerializer),
)
class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    """Events. Drafts are visible to staff only."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    required_action = Action.VIEW_EVENTS
    required_actions = {
        "list": Action.VIEW_EVENTS,
        "retrieve": Action.VIEW_EVENTS,
        **dict.fromkeys(
            ["create", "partial_update", "destroy", "publish", "finish", "cancel", "minutes", "check_in"],
            Action.MANAGE_EVENTS,
        ),
    }
    lookup_url_kwarg = "event_id"
    lookup_value_regex = r"\d+"
    queryset = Event.objects.all()
    ordering_fields = ["starts_at", "title", "kind"]

    def get_queryset(self):
        events = (
            Event.objects.select_related("host_unit")
            .prefetch_related("organisers")
            .annotate(
                places_taken=Count(
                    "registrations", filter=Q(registrations__status__in=PLACE_HOLDING_STATUSES)
                ),
                waitlisted=Count(
                    "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
                ),
            )
            .order_by("-starts_at", "-pk")
        )
        if self.action == "retrieve":
            events = events.prefetch_related("agenda", "attachments")
        return services.visible_events(self.membership, events)

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return EventDetailSerializer
        return super().get_serializer_class()

    def _detail(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        event = self.get_queryset().prefetch_related("agenda", "attachments").get(pk=pk)
        return Response(
            EventDetailSerializer(event, context=self.get_serializer_context()).data, status=status_code
        )

    @extend_schema(request=EventWriteSerializer, responses={201: EventDetailSerializer, 400: INVALID})
    def create(self, request, *args, **kwargs):
        """Create an event as a draft."""
        serializer = EventWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organisers = data.pop("organisers", [])
        event = services.create_event(
            alliance=self.alliance, data=data, organisers=organisers, created_by=request.user
        )
        response = self._detail(event.pk, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(
            reverse("api:event-detail", kwargs={"alliance_slug": self.alliance.slug, "event_id": event.pk})
        )
        return response

    @extend_schema(
        request=EventWriteSerializer, responses={200: EventDetailSerializer, 400: INVALID, 409: CONFLICT}
    )
    def partial_update(self, request, *args, **kwargs):
        """Change a draft or published event. New times or venue raise the calendar SEQUENCE and e-mail the
        registrants; `organisers`, when given, replaces the list."""
        event = self.get_object()
        serializer = EventWriteSerializer(
            event, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organisers = data.pop("organisers", None)
        run_service(lambda: services.update_event(event, data, organisers=organisers))
        return self._detail(event.pk)

    @extend_schema(responses={204: None, 409: CONFLICT})
    def destroy(self, request, *args, **kwargs):
        """Delete a draft (a published event is cancelled instead)."""
        event = self.get_object()
        run_service(lambda: services.delete_event(event))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _step(self, call):
        event = self.get_object()
        run_service(lambda: call(event))
        return self._detail(event.pk)

    @extend_schema(request=None, responses={200: EventDetailSerializer, 409: CONFLICT}, summary=_("Publish"))
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        """draft → published; every current member unit's primary contact is told by e-mail."""
        return self._step(services.publish_event)

    @extend_schema(request=None, responses={200: EventDetailSerializer, 409: CONFLICT}, summary=_("Finish"))
    @action(detail=True, methods=["post"])
    def finish(self, request, *args, **kwargs):
        """published → finished (once started): who did not check in did not attend."""
        return self._step(services.finish_event)

    @extend_schema(
        request=EventCancelSerializer, responses={200: EventDetailSerializer, 400: INVALID, 409: CONFLICT},
        summary=_("Cancel"),
    )  # fmt: skip
    @action(detail=True, methods=["post"], serializer_class=EventCancelSerializer)
    def cancel(self, request, *args, **kwargs):
        """draft | published → cancelled, with a reason; registrants are told by e-mail."""
        event = self.get_object()  # an unknown event answers 404 before the input is looked at
        serializer = EventCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run_service(lambda: services.cancel_event(event, reason=serializer.validated_data["reason"]))
        return self._detail(event.pk)

    @extend_schema(
        request=EventMinutesSerializer, responses={200: EventDetailSerializer, 400: INVALID, 409: CONFLICT},
        summary=_("Record the minutes"),
    )  # fmt: skip
    @action(detail=True, methods=["post"], serializer_class=EventMinutesSerializer)
    def minutes(self, request, *args, **kwargs):
        event = self.get_object()
        serializer = EventMinutesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run_service(lambda: services.record_minutes(event, serializer.validated_data["minutes"]))
        return self._detail(event.pk)

    @extend_schema(
        request=CheckInCodeSerializer, responses={200: CheckInResultSerializer, 400: INVALID, 409: CONFLICT},
        summary=_("Check in by the QR code's token"),
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="check-in", serializer_class=CheckInCodeSerializer)
    def check_in(self, request, *args, **kwargs):
        """Check a person in by what the scanner read. A code of another event answers 400 on `code`."""
        event = self.get_object()
        serializer = CheckInCodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        done = run_service(
            lambda: registration_services.check_in_by_code(
                event, serializer.validated_data["code"], by=request.user
            )
        )
        return Response(check_in_result(done, self.get_serializer_context()))


def check_in_result(done, context) -> dict:
    registration = Registration.objects.select_related("event", "member_unit").get(pk=done.registration.pk)
    return {
        "registration": RegistrationSerializer(registration, context=context).data,
        "already_checked_in": done.already,
    }


# --- Agenda -------------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary=_("Agenda items (filter by `event`)")))
class AgendaItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    serializer_class = AgendaItemSerializer
    filterset_fields = ["event"]
    required_action = Action.VIEW_EVENTS
    required_actions = {
        "list": Action.VIEW_EVENTS,
        "retrieve": Action.VIEW_EVENTS,
        **dict.fromkeys(["create", "partial_update", "destroy", "move"], Action.MANAGE_EVENTS),
    }
    lookup_url_kwarg = "agendaitem_id"
    lookup_value_regex = r"\d+"
    queryset = AgendaItem.objects.all()

    def get_queryset(self):
        items = AgendaItem.objects.order_by("event", "position", "starts_at", "pk")
        if not services.sees_drafts(self.membership):
            items = items.filter(event__status__in=services.PUBLIC_STATUSES)
        return items

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(
        request=AgendaItemSerializer, responses={201: AgendaItemSerializer, 400: INVALID, 409: CONFLICT}
    )
    def create(self, request, *args, **kwargs):
        serializer = AgendaItemSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        item = run_service(lambda: services.add_agenda_item(data.pop("event"), data))
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AgendaItemSerializer, responses={200: AgendaItemSerializer, 400: INVALID, 409: CONFLICT}
    )
    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        serializer = AgendaItemSerializer(
            item, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "event"}
        item = run_service(lambda: services.update_agenda_item(item, data))
        return Response(AgendaItemSerializer(item).data)

    @extend_schema(responses={204: None, 409: CONFLICT})
    def destroy(self, request, *args, **kwargs):
        item = self.get_object()
        run_service(lambda: services.remove_agenda_item(item))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=AgendaMoveSerializer, responses={200: AgendaItemSerializer(many=True), 409: CONFLICT},
        summary=_("Move an item up or down"),
    )  # fmt: skip
    @action(detail=True, methods=["post"], serializer_class=AgendaMoveSerializer)
    def move(self, request, *args, **kwargs):
        """Answers the event's whole agenda in its new order."""
        item = self.get_object()
        serializer = AgendaMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offset = -1 if serializer.validated_data["direction"] == "up" else 1
        run_service(lambda: services.move_agenda_item(item, offset))
        items = AgendaItem.objects.filter(event_id=item.event_id).order_by("position", "starts_at", "pk")
        return Response(AgendaItemSerializer(items, many=True).data)


# --- Registrations ----------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Registrations (filter by `event`, `status`, `member_unit`, `q`)"))
)
class RegistrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    serializer_class = RegistrationSerializer
    filterset_class = RegistrationFilter
    required_action = Action.VIEW_EVENTS
    required_actions = {
        "list": Action.VIEW_EVENTS,
        "retrieve": Action.VIEW_EVENTS,
        "create": Action.REGISTER_FOR_EVENTS,
        "cancel": Action.REGISTER_FOR_EVENTS,
        **dict.fromkeys(["on_behalf", "secretariat_cancel", "confirm", "check_in"], Action.MANAGE_EVENTS),
    }
    lookup_url_kwarg = "registration_id"
    lookup_value_regex = r"\d+"
    queryset = Registration.objects.all()
    ordering_fields = ["created_at", "person_name", "status"]

    def get_queryset(self):
        registrations = Registration.objects.select_related("event", "member_unit").order_by(
            "event", "created_at", "pk"
        )
        return registration_services.visible_registrations(self.membership, registrations)

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_object(self):
        """Changes are for staff and the registrant's own unit (the bureau reads every registration, changes none)."""
        registration = super().get_object()
        if self.action != "retrieve" and not registration_services.acts_for(self.membership, registration):
            raise NotFound()
        return registration

    def _answer(self, registration, status_code=status.HTTP_200_OK) -> Response:
        registration = Registration.objects.select_related("event", "member_unit").get(pk=registration.pk)
        return Response(RegistrationSerializer(registration, context=self.get_serializer_context()).data,
                        status=status_code)  # fmt: skip

    def _register(self, serializer, unit):
        data = serializer.validated_data
        event = data["event"]
        if not services.sees_drafts(self.membership) and event.status not in services.PUBLIC_STATUSES:
            raise serializers.ValidationError({"event": [_("Invalid pk - object does not exist.")]})
        registration = run_service(
            lambda: registration_services.register(
                event, member_unit=unit, person_name=data["person_name"], person_title=data["person_title"],
                mobile=data["mobile"], registered_by=self.request.user,
            )
        )  # fmt: skip
        return self._answer(registration, status.HTTP_201_CREATED)

    @extend_schema(
        request=RegisterSerializer, responses={201: RegistrationSerializer, 400: INVALID, 409: CONFLICT}
    )
    def create(self, request, *args, **kwargs):
        """A representative registers a person of their own unit; when the event or the unit's quota is full, the
        registration is put on the waiting list (`status` says which)."""
        serializer = RegisterSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        unit = MemberUnit.objects.filter(pk=self.membership.member_unit_id).first()
        if unit is None:
            raise NotFound()
        return self._register(serializer, unit)

    @extend_schema(
        request=RegisterOnBehalfSerializer, responses={201: RegistrationSerializer, 400: INVALID, 409: CONFLICT},
        summary=_("Register a unit on its behalf"),
    )  # fmt: skip
    @action(detail=False, methods=["post"], url_path="on-behalf", serializer_class=RegisterOnBehalfSerializer)
    def on_behalf(self, request, *args, **kwargs):
        serializer = RegisterOnBehalfSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return self._register(serializer, serializer.validated_data["member_unit"])

    def _step(self, call):
        registration = self.get_object()
        result = run_service(lambda: call(registration))
        return result, registration

    @extend_schema(request=None, responses={200: RegistrationSerializer, 409: CONFLICT}, summary=_("Cancel"))
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """The representative cancels their unit's registration; the place goes to the waiting list."""
        _result, registration = self._step(registration_services.cancel_registration)
        return self._answer(registration)

    @extend_schema(
        request=None,
        responses={200: RegistrationSerializer, 409: CONFLICT},
        summary=_("Cancel (secretariat)"),
    )
    @action(detail=True, methods=["post"], url_path="secretariat-cancel")
    def secretariat_cancel(self, request, *args, **kwargs):
        _result, registration = self._step(registration_services.cancel_registration)
        return self._answer(registration)

    @extend_schema(request=None, responses={200: RegistrationSerializer, 409: CONFLICT}, summary=_("Confirm"))
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        _result, registration = self._step(registration_services.confirm_registration)
        return self._answer(registration)

    @extend_schema(
        request=None, responses={200: CheckInResultSerializer, 409: CONFLICT}, summary=_("Check in by hand")
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, *args, **kwargs):
        done, _registration = self._step(lambda r: registration_services.check_in(r, by=request.user))
        return Response(check_in_result(done, self.get_serializer_context()))
