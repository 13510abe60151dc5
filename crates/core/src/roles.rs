//! Roles and what each may do (`vault-and-access-v1.md` §2). The matrix lives
//! here, once; the session consults it before every use case.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Dpo,
    Staff,
    Auditor,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Dpo => "dpo",
            Role::Staff => "staff",
            Role::Auditor => "auditor",
        }
    }
}

impl Role {
    /// The keys ([`Action::key`]) of every action this role may do.
    pub fn can(self) -> Vec<&'static str> {
        Action::ALL
            .iter()
            .copied()
            .filter(|a| a.allowed_for(self))
            .map(Action::key)
            .collect()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Role {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "dpo" => Ok(Role::Dpo),
            "staff" => Ok(Role::Staff),
            "auditor" => Ok(Role::Auditor),
            _ => Err(crate::Error::Invalid(format!(
                "unknown role {s:?}: use dpo, staff or auditor"
            ))),
        }
    }
}

/// The actions of the §2 table, plus the few that every role has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Sync,
    /// Search members, view a member, consent history.
    ReadMembers,
    /// The subject-access request register, without member data.
    RequestRegister,
    /// Subject-access bundles (member data).
    RequestBundle,
    /// Request register settings (a site's bank-holiday calendar).
    RequestSettings,
    /// Open a request and record its progress (verify, pause, resume, extend,
    /// close). Auditors read the register; they don't change it.
    ChangeRequests,
    RecordDisclosure,
    AmendDisclosure,
    /// Read, verify and export the disclosure log.
    ReadDisclosures,
    /// Set, lift or list legal holds.
    Hold,
    /// Add, list and remove users, and change roles.
    ManageUsers,
    /// Read and verify the audit trail.
    ReadAudit,
    /// Per-site sync status (no member data).
    ReadStatus,
    /// Change one's own password.
    ChangeOwnPassword,
    /// Read a site's privacy facts (no member data).
    ReadPrivacyFacts,
    /// Change a site's privacy facts (the supplementary information of bundles).
    PrivacyFacts,
}

impl Action {
    /// Every action, in the order of the §2 table.
    pub const ALL: &'static [Action] = &[
        Action::Sync,
        Action::ReadMembers,
        Action::RequestRegister,
        Action::RequestBundle,
        Action::RequestSettings,
        Action::ChangeRequests,
        Action::RecordDisclosure,
        Action::AmendDisclosure,
        Action::ReadDisclosures,
        Action::Hold,
        Action::ManageUsers,
        Action::ReadAudit,
        Action::ReadStatus,
        Action::ChangeOwnPassword,
        Action::ReadPrivacyFacts,
        Action::PrivacyFacts,
    ];

    /// Whether `role` may do this.
    pub fn allowed_for(self, role: Role) -> bool {
        use Action::*;
        match self {
            Sync | ReadMembers | RequestBundle | RecordDisclosure | ChangeRequests => {
                matches!(role, Role::Dpo | Role::Staff)
            }
            AmendDisclosure | Hold | ManageUsers | RequestSettings | PrivacyFacts => {
                role == Role::Dpo
            }
            ReadAudit => matches!(role, Role::Dpo | Role::Auditor),
            RequestRegister | ReadDisclosures | ReadStatus | ChangeOwnPassword
            | ReadPrivacyFacts => true,
        }
    }

    /// A stable name, used in the audit trail.
    pub fn name(self) -> &'static str {
        use Action::*;
        match self {
            Sync => "sync",
            ReadMembers => "read_members",
            RequestRegister => "request_register",
            RequestBundle => "request_bundle",
            RequestSettings => "request_settings",
            ChangeRequests => "change_requests",
            RecordDisclosure => "record_disclosure",
            AmendDisclosure => "amend_disclosure",
            ReadDisclosures => "read_disclosures",
            Hold => "legal_hold",
            ManageUsers => "manage_users",
            ReadAudit => "read_audit",
            ReadStatus => "read_status",
            ChangeOwnPassword => "change_password",
            ReadPrivacyFacts => "read_privacy_facts",
            PrivacyFacts => "privacy_facts",
        }
    }

    /// The action's key for interfaces (the desktop's `SessionInfo.can`):
    /// the variant in snake case. Differs from [`Action::name`] (the audit
    /// trail's word) only for `hold` and `change_own_password`.
    pub fn key(self) -> &'static str {
        use Action::*;
        match self {
            Hold => "hold",
            ChangeOwnPassword => "change_own_password",
            other => other.name(),
        }
    }

    /// Plain words for a refusal message.
    pub fn describe(self) -> &'static str {
        use Action::*;
        match self {
            Sync => "syncing an export",
            ReadMembers => "searching and viewing members",
            RequestRegister => "using the request register",
            RequestBundle => "making subject-access bundles",
            RequestSettings => "changing the request register's settings",
            ChangeRequests => "opening or changing subject-access requests",
            RecordDisclosure => "recording a disclosure",
            AmendDisclosure => "amending or reviewing a disclosure",
            ReadDisclosures => "reading the disclosure log",
            Hold => "setting, lifting or listing legal holds",
            ManageUsers => "managing users and roles",
            ReadAudit => "reading the audit trail",
            ReadStatus => "reading the sync status",
            ChangeOwnPassword => "changing your password",
            ReadPrivacyFacts => "reading a site's privacy facts",
            PrivacyFacts => "changing a site's privacy facts",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_matches_the_contract() {
        use Action::*;
        use Role::*;
        let table = [
            (Sync, [true, true, false]),
            (ReadMembers, [true, true, false]),
            (RequestRegister, [true, true, true]),
            (RequestBundle, [true, true, false]),
            (RequestSettings, [true, false, false]),
            (ChangeRequests, [true, true, false]),
            (RecordDisclosure, [true, true, false]),
            (AmendDisclosure, [true, false, false]),
            (ReadDisclosures, [true, true, true]),
            (Hold, [true, false, false]),
            (ManageUsers, [true, false, false]),
            (ReadAudit, [true, false, true]),
            (ReadPrivacyFacts, [true, true, true]),
            (PrivacyFacts, [true, false, false]),
        ];
        for (action, expected) in table {
            for (role, want) in [Dpo, Staff, Auditor].into_iter().zip(expected) {
                assert_eq!(action.allowed_for(role), want, "{action:?} for {role}");
            }
        }
    }

    #[test]
    fn all_lists_every_action_once() {
        // Exhaustive: a new action fails to compile here until it is added
        // to `Action::ALL` (and this list).
        fn index(a: Action) -> usize {
            use Action::*;
            match a {
                Sync => 0,
                ReadMembers => 1,
                RequestRegister => 2,
                RequestBundle => 3,
                RequestSettings => 4,
                ChangeRequests => 5,
                RecordDisclosure => 6,
                AmendDisclosure => 7,
                ReadDisclosures => 8,
                Hold => 9,
                ManageUsers => 10,
                ReadAudit => 11,
                ReadStatus => 12,
                ChangeOwnPassword => 13,
                ReadPrivacyFacts => 14,
                PrivacyFacts => 15,
            }
        }
        let idx: Vec<usize> = Action::ALL.iter().map(|a| index(*a)).collect();
        assert_eq!(idx, (0..16).collect::<Vec<_>>());
    }

    #[test]
    fn keys_of_what_each_role_can_do() {
        assert_eq!(Role::Dpo.can().len(), Action::ALL.len());
        assert_eq!(
            Role::Auditor.can(),
            [
                "request_register",
                "read_disclosures",
                "read_audit",
                "read_status",
                "change_own_password",
                "read_privacy_facts"
            ]
        );
        assert!(Role::Staff.can().contains(&"read_members"));
        assert!(!Role::Staff.can().contains(&"hold"));
    }
}
