//! Staff accounts and their roles.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// システム管理者: users and settings.
    SystemAdmin,
    /// DX推進担当 (the coordinating department): the plan, checking reports, reports to the committee and the head.
    DxOffice,
    /// A department that reports (担当課): reports on the items of its own department.
    DepartmentEditor,
    /// A member of the evaluating committee (the chair too): reads everything, evaluates.
    Committee,
    /// アドバイザー(外部専門家): reads everything, may comment.
    Advisor,
    /// 閲覧 (the head, other staff): reads everything staff can see.
    Viewer,
    /// An account of the installation, not of a town (a prefecture's DX office, a shared-service
    /// centre): reads the staff pages of every town on this machi, changes nothing.
    PlatformAdmin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::SystemAdmin,
        Role::DxOffice,
        Role::DepartmentEditor,
        Role::Committee,
        Role::Advisor,
        Role::Viewer,
        Role::PlatformAdmin,
    ];

    /// Roles a town's own accounts may have.
    pub const TOWN: [Role; 6] = [
        Role::SystemAdmin,
        Role::DxOffice,
        Role::DepartmentEditor,
        Role::Committee,
        Role::Advisor,
        Role::Viewer,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::DxOffice => "dx_office",
            Role::DepartmentEditor => "department_editor",
            Role::Committee => "committee",
            Role::Advisor => "advisor",
            Role::Viewer => "viewer",
            Role::PlatformAdmin => "platform_admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::SystemAdmin => "システム管理者",
            Role::DxOffice => "計画の取りまとめ担当",
            Role::DepartmentEditor => "担当課の担当者",
            Role::Committee => "評価を行う会議の委員",
            Role::Advisor => "アドバイザー",
            Role::Viewer => "閲覧",
            Role::PlatformAdmin => "全団体の閲覧(プラットフォーム管理者)",
        }
    }

    pub fn from_key(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The department (課) a department editor reports for.
    pub department: String,
    pub disabled: bool,
    pub version: i64,
}
