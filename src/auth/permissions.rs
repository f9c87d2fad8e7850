//! Who may do what: one pure function over the grants the modules declare, deny by default,
//! table-tested.

use super::model::{Role, User};

/// Something a staff member may be allowed to do. Each module declares its own actions (as
/// constants) and the roles that may do them (`Module::permissions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Action {
    /// Stable key, e.g. `report.edit`.
    pub key: &'static str,
    /// What it means, in Japanese (for the permission table in docs and the users page).
    pub label: &'static str,
}

impl Action {
    pub const fn new(key: &'static str, label: &'static str) -> Action {
        Action { key, label }
    }
}

/// Where a grant applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// On anything.
    Any,
    /// Only on what belongs to the user's own 課 (a 施策 or a procedure of that 課).
    OwnDepartment,
}

/// `roles` may do `action` within `scope`.
#[derive(Debug, Clone, Copy)]
pub struct Grant {
    pub action: Action,
    pub roles: &'static [Role],
    pub scope: Scope,
}

impl Grant {
    pub const fn any(action: Action, roles: &'static [Role]) -> Grant {
        Grant {
            action,
            roles,
            scope: Scope::Any,
        }
    }
    pub const fn own_department(action: Action, roles: &'static [Role]) -> Grant {
        Grant {
            action,
            roles,
            scope: Scope::OwnDepartment,
        }
    }
}

/// What an action is about, where that matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    None,
    /// A 施策, with the department the plan assigns it to (may be empty).
    Measure {
        department: &'a str,
    },
    /// Something a department owns, such as a procedure (the department may be empty).
    Department {
        department: &'a str,
    },
}

impl Subject<'_> {
    fn department(&self) -> Option<&str> {
        match self {
            Subject::None => None,
            Subject::Measure { department } | Subject::Department { department } => {
                Some(department)
            }
        }
    }
}

/// Whether `user` may do `action` on `subject`, by the modules' grants. Disabled accounts may do
/// nothing.
pub fn allowed(user: &User, action: Action, subject: Subject<'_>) -> bool {
    allowed_by(&crate::modules::registry().grants, user, action, subject)
}

/// Whether `user` may do `action` on something (their own 課's, at least): for menus.
pub fn allowed_somewhere(user: &User, action: Action) -> bool {
    let subject = Subject::Department {
        department: &user.department,
    };
    allowed(user, action, Subject::None) || allowed(user, action, subject)
}

pub fn allowed_by(grants: &[Grant], user: &User, action: Action, subject: Subject<'_>) -> bool {
    if user.disabled {
        return false;
    }
    grants
        .iter()
        .filter(|g| g.action == action && g.roles.contains(&user.role))
        .any(|g| match g.scope {
            Scope::Any => true,
            Scope::OwnDepartment => subject
                .department()
                .is_some_and(|d| !d.is_empty() && d == user.department),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{audit, auth, counter, opendata, plan, procedures, reporting};

    fn user(role: Role, department: &str) -> User {
        User {
            id: 1,
            username: "u".into(),
            display_name: "u".into(),
            role,
            department: department.into(),
            disabled: false,
            version: 1,
        }
    }

    /// Every action for every role: Y = allowed on a measure of 総務課, department editors
    /// belonging to 市民課 (so not theirs).
    #[test]
    fn permission_table() {
        let actions = [
            auth::VIEW_STAFF,
            auth::MANAGE_USERS,
            auth::CHANGE_PASSWORD,
            audit::VIEW_AUDIT,
            plan::EDIT_PLAN,
            plan::APPROVE_PLAN,
            plan::RECORD_ACTUAL,
            reporting::MANAGE_PERIODS,
            reporting::EDIT_REPORT,
            reporting::CHECK_REPORT,
            reporting::EVALUATE_REPORT,
            reporting::FINALIZE_REPORT,
            reporting::ISSUE_SNAPSHOT,
            reporting::COMMENT,
            opendata::MANAGE_OPEN_DATA,
            procedures::MANAGE_PROCEDURES,
            counter::RUN_COUNTER,
            crate::identity::EDIT_IDENTITY,
            crate::registers::VIEW_REGISTERS,
            crate::registers::EDIT_REGISTERS,
            crate::registers::DEFINE_REGISTERS,
            crate::standardization::VIEW_STANDARDIZATION,
            crate::standardization::EDIT_STANDARDIZATION,
            crate::mynumber::IMPORT_MYNUMBER,
            crate::faq::MANAGE_FAQ,
            crate::faq::READ_VOICES,
            crate::receipts::RECORD_RECEIPTS,
            crate::receipts::CLOSE_DAY,
            crate::certificates::RECORD_CERTIFICATES,
            crate::applications::HANDLE_APPLICATIONS,
            crate::courses::MANAGE_COURSES,
            crate::trainings::MANAGE_TRAININGS,
            crate::trainings::SEE_PENDING,
            crate::trainings::TAKE_TRAININGS,
            crate::ordinances::MANAGE_ORDINANCES,
            crate::ordinances::REVIEW_ORDINANCES,
        ];
        assert_eq!(
            actions.len(),
            crate::modules::registry().actions().len(),
            "the table lists every declared action"
        );
        // Columns follow `actions`.
        let table: [(Role, &str); 7] = [
            (Role::SystemAdmin, "YYYY.............Y...............Y.."),
            (Role::DxOffice, "Y.YYY.YYYY.YYYYYYYYYYYYYYYYYYYYYYYY."),
            (
                Role::DepartmentEditor,
                "Y.Y.............Y.Y..Y...YYYY....Y..",
            ),
            (Role::Committee, "Y.Y..Y....Y..Y....Y..Y...Y.........."),
            (Role::Advisor, "Y.Y..........Y......................"),
            (Role::Viewer, "Y.Y...............Y..Y...Y.......Y.."),
            (Role::PlatformAdmin, "Y..................................."),
        ];
        let subject = Subject::Measure {
            department: "総務課",
        };
        for (role, row) in table {
            let u = user(role, "市民課");
            for (action, expected) in actions.iter().zip(row.chars()) {
                assert_eq!(
                    allowed(&u, *action, subject),
                    expected == 'Y',
                    "{role:?} {}",
                    action.key
                );
            }
        }
    }

    #[test]
    fn department_editors_edit_only_their_own_measures() {
        let edit = reporting::EDIT_REPORT;
        let u = user(Role::DepartmentEditor, "総務課");
        let on = |department| Subject::Measure { department };
        assert!(allowed(&u, edit, on("総務課")));
        assert!(!allowed(&u, edit, on("市民課")));
        assert!(!allowed(&u, edit, on("")));
        assert!(!allowed(&u, edit, Subject::None));
        let nobody = user(Role::DepartmentEditor, "");
        assert!(!allowed(&nobody, edit, on("")));
        // The menu offers 実績の取り込み to those who report on something.
        assert!(allowed_somewhere(&u, edit));
        assert!(!allowed_somewhere(&nobody, edit));
    }

    #[test]
    fn departments_edit_only_their_own_procedures() {
        let manage = procedures::MANAGE_PROCEDURES;
        let u = user(Role::DepartmentEditor, "市民課");
        let on = |department| Subject::Department { department };
        assert!(allowed(&u, manage, on("市民課")));
        assert!(!allowed(&u, manage, on("健康課")));
        assert!(!allowed(&u, manage, on("")));
        assert!(!allowed(&u, manage, Subject::None));
        assert!(allowed_somewhere(&u, manage));
        let dx = user(Role::DxOffice, "総務課");
        assert!(allowed(&dx, manage, on("")));
    }

    #[test]
    fn disabled_users_may_do_nothing() {
        for role in Role::ALL {
            let mut u = user(role, "総務課");
            u.disabled = true;
            assert!(!allowed(&u, auth::VIEW_STAFF, Subject::None), "{role:?}");
        }
    }

    #[test]
    fn an_undeclared_action_is_refused() {
        let unknown = Action::new("nobody.declared", "");
        for role in Role::ALL {
            assert!(!allowed(&user(role, "総務課"), unknown, Subject::None));
        }
    }
}
