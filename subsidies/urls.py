"""Pages of this app under /a/<alliance_slug>/ (built in its own issue)."""

urlpatterns = []
