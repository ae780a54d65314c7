from django.urls import path

from . import views

urlpatterns = [
    path("members/", views.MemberListView.as_view(), name="member-list"),
    path("members/export/", views.MemberExportView.as_view(), name="member-export"),
    path("members/<int:memberunit_id>/", views.MemberDetailView.as_view(), name="member-detail"),
]
