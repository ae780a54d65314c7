"""How this app's audit actions read in the audit log (merged into alliances.models.AUDIT_ACTION_LABELS)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "events.event.published": _("Event published"),
    # -- events, agenda, attachments, registration and check-in (events/services/events.py, registrations.py)
    "events.event.created": _("Event created"),
    "events.event.updated": _("Event changed"),
    "events.event.deleted": _("Draft event deleted"),
    "events.event.finished": _("Event finished"),
    "events.event.cancelled": _("Event cancelled"),
    "events.event.minutes_recorded": _("Event minutes recorded"),
    "events.event.meeting_linked": _("Event linked to a council meeting"),
    "events.event.members_notified": _("Members told of a published event"),
    "events.event.registrants_notified": _("Registrants told of a changed or cancelled event"),
    "events.event.reminders_sent": _("Event reminders sent"),
    "events.agenda.changed": _("Event agenda changed"),
    "events.attachments.added": _("Event files attached"),
    "events.attachments.removed": _("Event file removed"),
    "events.attendance.exported": _("Attendance exported"),
    "events.registration.registered": _("Registered for an event"),
    "events.registration.waitlisted": _("Put on an event's waiting list"),
    "events.registration.promoted": _("Moved up from an event's waiting list"),
    "events.registration.cancelled": _("Event registration cancelled"),
    "events.registration.confirmed": _("Event registration confirmed"),
    "events.registration.checked_in": _("Checked in at an event"),
    # -- cooperation records, calendar feeds, member activity (events/services/cooperation.py, calendar.py)
    "events.cooperation.recorded": _("Cooperation recorded"),
    "events.cooperation.updated": _("Cooperation record changed"),
    "events.cooperation.status_changed": _("Cooperation status changed"),
    "events.cooperation.documents_attached": _("Cooperation documents attached"),
    "events.cooperation.document_downloaded": _("Cooperation document downloaded"),
    "events.calendar_feed.created": _("Calendar feed address made"),
    "events.calendar_feed.regenerated": _("Calendar feed address replaced"),
    "events.calendar_feed.revoked": _("Calendar feed address removed"),
    "events.dormant_members.exported": _("Dormant members exported"),
}
