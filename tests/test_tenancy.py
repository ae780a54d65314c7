"""The scoping mechanism itself: refuse without a scope, filter with one, guard writes, stay lazy."""

import pytest
from django import forms

from alliances.models import Job
from alliances.tenancy import ScopeError, no_scope, scope, unscoped
from members.models import Committee, MemberUnit

from .factories import make_alliance, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_alliances():
    a, b = make_alliance(), make_alliance()
    return a, b, make_unit(a, name="甲单位"), make_unit(b, name="乙单位")


def test_queries_without_scope_are_refused(two_alliances):
    with no_scope():
        with pytest.raises(ScopeError):
            list(MemberUnit.objects.all())
        with pytest.raises(ScopeError):
            MemberUnit.objects.count()
        with pytest.raises(ScopeError):
            MemberUnit.objects.filter(name="甲单位").exists()


def test_scope_limits_reads_counts_and_subqueries(two_alliances):
    a, b, unit_a, unit_b = two_alliances
    with scope(a.pk):
        assert list(MemberUnit.objects.values_list("name", flat=True)) == ["甲单位"]
        assert MemberUnit.objects.filter(pk=unit_b.pk).count() == 0
        assert not MemberUnit.objects.filter(pk=unit_b.pk).exists()
        # As a subquery of an unscoped model, the scope still applies.
        from alliances.models import Alliance

        assert list(Alliance.objects.filter(pk__in=MemberUnit.objects.values("alliance_id"))) == [a]


def test_scope_with_several_alliances(two_alliances):
    a, b, *_ = two_alliances
    with scope({a.pk, b.pk}):
        assert MemberUnit.objects.count() == 2


def test_updates_and_deletes_stay_in_scope(two_alliances):
    a, b, unit_a, unit_b = two_alliances
    with scope(a.pk):
        assert MemberUnit.objects.update(short_name="改") == 1
        assert MemberUnit.objects.filter(pk=unit_b.pk).delete()[0] == 0
    unit_b.refresh_from_db()
    assert unit_b.short_name == ""


def test_writes_outside_scope_are_refused(two_alliances):
    a, b, unit_a, unit_b = two_alliances
    with scope(a.pk):
        unit_a.save()
        with pytest.raises(ScopeError):
            unit_b.save()
        with pytest.raises(ScopeError):
            unit_b.delete()
        with pytest.raises(ScopeError):
            MemberUnit.objects.bulk_create(
                [MemberUnit(alliance=b, kind="enterprise", name="x", credit_code="x")]
            )
    with no_scope(), pytest.raises(ScopeError):
        unit_a.save()


def test_querysets_are_lazy_so_form_fields_can_be_declared_at_import(two_alliances):
    a, b, unit_a, unit_b = two_alliances
    with no_scope():

        class ChooseUnit(forms.Form):
            unit = forms.ModelChoiceField(queryset=MemberUnit.objects.all())

    with scope(a.pk):
        form = ChooseUnit(data={"unit": unit_b.pk})
        assert not form.is_valid()
        assert [choice for choice, _ in form.fields["unit"].choices if choice] == [unit_a.pk]
        assert ChooseUnit(data={"unit": unit_a.pk}).is_valid()


def test_reverse_relations_are_scoped(two_alliances):
    a, b, unit_a, unit_b = two_alliances
    committee = Committee.objects.create(alliance=a, name="装备制造专业委员会")
    committee.members.add(unit_a, through_defaults={"alliance": a})
    with scope(b.pk):
        assert list(committee.members.all()) == []
    with scope(a.pk):
        assert list(committee.members.all()) == [unit_a]


def test_unscoped_needs_a_reason():
    with pytest.raises(ValueError):
        with unscoped(""):
            pass


def test_empty_scope_sees_nothing(two_alliances):
    with scope(set()):
        assert Job.objects.count() == 0
        assert MemberUnit.objects.count() == 0


def test_exclude_across_a_many_to_many_relation_stays_scoped(two_alliances):
    """Django builds exclude() over a many-to-many as a subquery starting from the join table; it must compile
    and the answer must hold only the scope's rows."""
    from members.models import CommitteeMembership

    a, b, _unit_a, _unit_b = two_alliances
    in_committee, outside = make_unit(a), make_unit(a)
    with scope(a.pk):
        committee = Committee.objects.create(alliance=a, name="委员会")
        CommitteeMembership.objects.create(alliance=a, committee=committee, member_unit=in_committee)
        remaining = set(MemberUnit.objects.exclude(committees=committee).values_list("pk", flat=True))
    assert outside.pk in remaining and in_committee.pk not in remaining
    assert all(unit.alliance_id == a.pk for unit in MemberUnit._base_manager.filter(pk__in=remaining))
