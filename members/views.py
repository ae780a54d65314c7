"""Member pages. The full membership workflow grows here; the list and its export come first."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from alliances.generic import AllianceDetailView, AllianceListView, AllianceView
from alliances.jobs import enqueue_job
from alliances.permissions import Action

from .filters import MemberUnitFilter
from .models import MemberUnit


class MemberListView(AllianceListView):
    template_name = "members/member_list.html"
    required_action = Action.VIEW_MEMBERS
    filterset_class = MemberUnitFilter
    queryset = MemberUnit.objects.all()
    ordering = ["kind", "name"]


class MemberDetailView(AllianceDetailView):
    template_name = "members/member_detail.html"
    required_action = Action.VIEW_MEMBERS
    queryset = MemberUnit.objects.prefetch_related("committees")
    context_object_name = "unit"


class MemberExportView(AllianceView, View):
    """Start an export of the filtered list as a background job and show its progress."""

    required_action = Action.RUN_EXPORTS

    def post(self, request, alliance_slug):
        filters = {
            key: value
            for key, value in request.POST.items()
            if key in MemberUnitFilter.base_filters and value
        }
        job, created = enqueue_job(
            alliance=self.alliance,
            kind="members.export_roster",
            parameters={"filters": filters},
            requested_by=request.user,
        )
        if not created:
            messages.info(request, _("The same export is already running; here is its progress."))
        return redirect("job-detail", alliance_slug=alliance_slug, job_id=job.pk)
