"""Every model is tenant-owned or listed as global with a reason; tenant tables follow the layout rules."""

import pytest
from django.apps import apps
from django.db import models

from alliances.registry import GLOBAL_MODELS, NULLABLE_ALLIANCE_MODELS
from alliances.tenancy import TenantModel, is_tenant_owned

ALL_MODELS = sorted(apps.get_models(include_auto_created=False), key=lambda m: m._meta.label)
TENANT_MODELS = [m for m in ALL_MODELS if is_tenant_owned(m)]


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m._meta.label)
def test_model_is_tenant_owned_or_listed_as_global(model):
    label = model._meta.label
    if is_tenant_owned(model):
        assert label not in GLOBAL_MODELS, f"{label} is tenant-owned but also listed as global"
    else:
        assert label in GLOBAL_MODELS, (
            f"{label} is neither tenant-owned (inherit alliances.tenancy.TenantModel) "
            "nor listed with a reason in alliances.registry.GLOBAL_MODELS"
        )


def test_global_list_names_only_existing_models():
    labels = {m._meta.label for m in ALL_MODELS}
    assert set(GLOBAL_MODELS) <= labels


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label)
def test_tenant_model_layout(model):
    label = model._meta.label
    field = model._meta.get_field("alliance")
    assert field.related_model._meta.label == "alliances.Alliance"
    if label in NULLABLE_ALLIANCE_MODELS:
        assert field.null
    else:
        assert issubclass(model, TenantModel) and not field.null, f"{label}: alliance must be non-null"
    for index in model._meta.indexes:
        assert index.fields[0] in ("alliance", "-alliance"), (
            f"{label}: index {index.name} must lead with alliance"
        )
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            assert constraint.fields and constraint.fields[0] == "alliance", (
                f"{label}: uniqueness must be per alliance ({constraint.name})"
            )
    for field in model._meta.get_fields():
        assert not getattr(field, "unique", False) or field.primary_key, (
            f"{label}.{field.name}: unique must be per alliance"
        )
