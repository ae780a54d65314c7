"""Members app models: units and committees, lifecycle records, and global reference data."""

from .lifecycle import (
    MemberDocument,
    MembershipAction,
    MembershipEvent,
    ProfileChangeRequest,
    RequestStatus,
    WithdrawalRequest,
)
from .reference import (
    Division,
    DivisionLevel,
    IndustryDivision,
    IndustrySection,
    ReferenceDataVersion,
    Specialty,
    SpecialtyCategory,
    SpecialtyClass,
    SpecialtyLevel,
)
from .units import (
    COUNCIL_ROLES,
    CURRENT_MEMBER_STATUSES,
    OPEN_APPLICATION_STATUSES,
    STANDING_COUNCIL_ROLES,
    Committee,
    CommitteeMembership,
    Contact,
    CouncilRole,
    MemberKind,
    MemberSpecialty,
    MemberStatus,
    MemberUnit,
    Ownership,
    SchoolLevel,
)

__all__ = [
    "COUNCIL_ROLES", "CURRENT_MEMBER_STATUSES", "OPEN_APPLICATION_STATUSES", "STANDING_COUNCIL_ROLES",
    "Committee", "CommitteeMembership", "Contact", "CouncilRole", "Division", "DivisionLevel",
    "IndustryDivision", "IndustrySection", "MemberDocument", "MemberKind", "MemberSpecialty", "MemberStatus",
    "MemberUnit", "MembershipAction", "MembershipEvent", "Ownership", "ProfileChangeRequest",
    "ReferenceDataVersion", "RequestStatus", "SchoolLevel", "Specialty", "SpecialtyCategory", "SpecialtyClass",
    "SpecialtyLevel", "WithdrawalRequest",
]  # fmt: skip
