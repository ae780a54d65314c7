"""Pages of this app under /a/<alliance_slug>/."""

from django.urls import path

from .views import activity, calendar, checkin, cooperation, registrations
from .views import events as event_views

urlpatterns = [
    # -- events: list, page, editing, status steps, minutes, council meeting record, agenda, attachments
    path("events/", event_views.EventListView.as_view(), name="event-list"),
    path("events/new/", event_views.EventCreateView.as_view(), name="event-create"),
    path("events/<int:event_id>/", event_views.EventDetailView.as_view(), name="event-detail"),
    path("events/<int:event_id>/edit/", event_views.EventEditView.as_view(), name="event-edit"),
    path("events/<int:event_id>/publish/", event_views.EventPublishView.as_view(), name="event-publish"),
    path("events/<int:event_id>/finish/", event_views.EventFinishView.as_view(), name="event-finish"),
    path("events/<int:event_id>/cancel/", event_views.EventCancelView.as_view(), name="event-cancel"),
    path("events/<int:event_id>/minutes/", event_views.EventMinutesView.as_view(), name="event-minutes"),
    path("events/<int:event_id>/meeting/", event_views.EventMeetingView.as_view(), name="event-meeting"),
    path("events/<int:event_id>/agenda/", event_views.EventAgendaView.as_view(), name="event-agenda"),
    path(
        "events/agenda/<int:agendaitem_id>/edit/",
        event_views.AgendaItemEditView.as_view(),
        name="agenda-item-edit",
    ),
    path(
        "events/agenda/<int:agendaitem_id>/delete/",
        event_views.AgendaItemDeleteView.as_view(),
        name="agenda-item-delete",
    ),
    path(
        "events/agenda/<int:agendaitem_id>/move/",
        event_views.AgendaItemMoveView.as_view(),
        name="agenda-item-move",
    ),
    path(
        "events/<int:event_id>/attachments/",
        event_views.EventAttachmentsView.as_view(),
        name="event-attachments",
    ),
    path(
        "events/attachments/<int:eventattachment_id>/",
        event_views.EventAttachmentView.as_view(),
        name="event-attachment",
    ),
    path(
        "events/attachments/<int:eventattachment_id>/delete/",
        event_views.EventAttachmentDeleteView.as_view(),
        name="event-attachment-delete",
    ),
    # -- registration, QR check-in code, attendance
    path("events/<int:event_id>/register/", registrations.EventRegisterView.as_view(), name="event-register"),
    path(
        "events/<int:event_id>/register-unit/",
        registrations.EventRegisterUnitView.as_view(),
        name="event-register-unit",
    ),
    path(
        "events/<int:event_id>/attendance.export",
        registrations.EventAttendanceExportView.as_view(),
        name="event-attendance-export",
    ),
    path(
        "events/registrations/<int:registration_id>/",
        registrations.RegistrationDetailView.as_view(),
        name="registration-detail",
    ),
    path(
        "events/registrations/<int:registration_id>/qr.png",
        registrations.RegistrationQRView.as_view(),
        name="registration-qr",
    ),
    path(
        "events/registrations/<int:registration_id>/cancel/",
        registrations.RegistrationCancelView.as_view(),
        name="registration-cancel",
    ),
    path(
        "events/registrations/<int:registration_id>/secretariat-cancel/",
        registrations.RegistrationSecretariatCancelView.as_view(),
        name="registration-secretariat-cancel",
    ),
    path(
        "events/registrations/<int:registration_id>/confirm/",
        registrations.RegistrationConfirmView.as_view(),
        name="registration-confirm",
    ),
    path(
        "events/registrations/<int:registration_id>/check-in/",
        registrations.RegistrationCheckInView.as_view(),
        name="registration-check-in",
    ),
    # -- the staff check-in desk (the QR code encodes this address with ?code=<token>)
    path("events/<int:event_id>/check-in/", checkin.EventCheckInView.as_view(), name="event-check-in"),
    # -- cooperation records (校企合作)
    path("cooperation/", cooperation.CooperationListView.as_view(), name="cooperation-list"),
    path("cooperation/new/", cooperation.CooperationCreateView.as_view(), name="cooperation-create"),
    path(
        "cooperation/<int:cooperationrecord_id>/",
        cooperation.CooperationDetailView.as_view(),
        name="cooperation-detail",
    ),
    path(
        "cooperation/<int:cooperationrecord_id>/edit/",
        cooperation.CooperationEditView.as_view(),
        name="cooperation-edit",
    ),
    path(
        "cooperation/<int:cooperationrecord_id>/status/",
        cooperation.CooperationStatusView.as_view(),
        name="cooperation-status",
    ),
    path(
        "cooperation/<int:cooperationrecord_id>/documents/",
        cooperation.CooperationDocumentsView.as_view(),
        name="cooperation-documents",
    ),
    path(
        "cooperation/documents/<int:cooperationdocument_id>/",
        cooperation.CooperationDocumentView.as_view(),
        name="cooperation-document",
    ),
    path(
        "events/<int:event_id>/cooperation/new/",
        cooperation.CooperationCreateAtEventView.as_view(),
        name="cooperation-create-at-event",
    ),
    # -- calendar and iCalendar feeds (the feed opens by its token, without login)
    path("calendar/", calendar.CalendarMonthView.as_view(), name="calendar-month"),
    path("calendar/list/", calendar.CalendarListView.as_view(), name="calendar-list"),
    path("calendar/feeds/", calendar.CalendarFeedsView.as_view(), name="calendar-feeds"),
    path(
        "calendar/feeds/<int:calendarfeed_id>/revoke/",
        calendar.CalendarFeedRevokeView.as_view(),
        name="calendar-feed-revoke",
    ),
    path("calendar/feed/<str:token>.ics", calendar.calendar_feed, name="calendar-feed"),
    # -- member activity
    path("members/dormant/", activity.DormantMembersView.as_view(), name="dormant-members"),
    path(
        "members/dormant/export.xlsx",
        activity.DormantMembersExportView.as_view(),
        name="dormant-members-export",
    ),
]
