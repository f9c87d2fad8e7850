//! Who may do what: one pure function, deny by default, table-tested.

use super::model::{Role, User};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open the staff pages at all.
    ViewStaff,
    ManageUsers,
    ViewAudit,
    /// Draft plan revisions (施策 text, KPI definitions, 行程表).
    EditPlan,
    /// Decide a plan revision (the committee decides, 企画課 drafts).
    ApprovePlan,
    /// Create reporting periods and set due dates.
    ManagePeriods,
    /// Fill in and submit a 施策's report.
    EditReport,
    /// 企画課's check: confirm or return a submitted report.
    CheckReport,
    /// The committee's grade and comments.
    EvaluateReport,
    /// Lock (確定) an evaluated report, and reopen one with a reason.
    FinalizeReport,
    /// Issue a 町長報告 or 委員会資料 snapshot.
    IssueSnapshot,
    /// Comment on a report.
    Comment,
    /// Create, edit, publish and withdraw open data.
    ManageOpenData,
    /// Edit the procedure catalog (a department its own procedures), the guide and the forms.
    ManageProcedures,
    /// Run visits at the 書かない窓口 counter.
    RunCounter,
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

/// Whether `user` may do `action` on `subject`. Disabled accounts may do nothing.
pub fn allowed(user: &User, action: Action, subject: Subject<'_>) -> bool {
    use Action::*;
    use Role::*;
    if user.disabled {
        return false;
    }
    match (user.role, action) {
        (_, ViewStaff) => true,
        (SystemAdmin, ManageUsers | ViewAudit) => true,
        (DxOffice, ViewAudit) => true,
        (
            DxOffice,
            EditPlan | ManagePeriods | CheckReport | FinalizeReport | IssueSnapshot
            | ManageOpenData | ManageProcedures | RunCounter,
        ) => true,
        (DepartmentEditor, RunCounter) => true,
        (DepartmentEditor, ManageProcedures) => match subject {
            Subject::Department { department } => {
                !department.is_empty() && department == user.department
            }
            _ => false,
        },
        (DxOffice, EditReport) => true,
        (DepartmentEditor, EditReport) => match subject {
            Subject::Measure { department } => {
                !department.is_empty() && department == user.department
            }
            _ => false,
        },
        (Committee, ApprovePlan | EvaluateReport) => true,
        (DxOffice | Committee | Advisor, Comment) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Every action for every role: Y = allowed on a measure of 企画課, department editors
    /// belonging to 町民課 (so not theirs).
    #[test]
    fn permission_table() {
        use Action::*;
        let actions = [
            ViewStaff,
            ManageUsers,
            ViewAudit,
            EditPlan,
            ApprovePlan,
            ManagePeriods,
            EditReport,
            CheckReport,
            EvaluateReport,
            FinalizeReport,
            IssueSnapshot,
            Comment,
            ManageOpenData,
            ManageProcedures,
            RunCounter,
        ];
        // Columns follow `actions`.
        let table: [(Role, &str); 6] = [
            (Role::SystemAdmin, "YYY............"),
            (Role::DxOffice, "Y.YY.YYY.YYYYYY"),
            (Role::DepartmentEditor, "Y.............Y"),
            (Role::Committee, "Y...Y...Y..Y..."),
            (Role::Advisor, "Y..........Y..."),
            (Role::Viewer, "Y.............."),
        ];
        let subject = Subject::Measure {
            department: "企画課",
        };
        for (role, row) in table {
            let u = user(role, "町民課");
            for (action, expected) in actions.iter().zip(row.chars()) {
                assert_eq!(
                    allowed(&u, *action, subject),
                    expected == 'Y',
                    "{role:?} {action:?}"
                );
            }
        }
    }

    #[test]
    fn department_editors_edit_only_their_own_measures() {
        let u = user(Role::DepartmentEditor, "企画課");
        assert!(allowed(
            &u,
            Action::EditReport,
            Subject::Measure {
                department: "企画課"
            }
        ));
        assert!(!allowed(
            &u,
            Action::EditReport,
            Subject::Measure {
                department: "町民課"
            }
        ));
        assert!(!allowed(
            &u,
            Action::EditReport,
            Subject::Measure { department: "" }
        ));
        assert!(!allowed(&u, Action::EditReport, Subject::None));
        let nobody = user(Role::DepartmentEditor, "");
        assert!(!allowed(
            &nobody,
            Action::EditReport,
            Subject::Measure { department: "" }
        ));
    }

    #[test]
    fn departments_edit_only_their_own_procedures() {
        let u = user(Role::DepartmentEditor, "町民課");
        let own = Subject::Department {
            department: "町民課",
        };
        let other = Subject::Department {
            department: "健康課",
        };
        let unset = Subject::Department { department: "" };
        assert!(allowed(&u, Action::ManageProcedures, own));
        assert!(!allowed(&u, Action::ManageProcedures, other));
        assert!(!allowed(&u, Action::ManageProcedures, unset));
        assert!(!allowed(&u, Action::ManageProcedures, Subject::None));
        let dx = user(Role::DxOffice, "企画課");
        assert!(allowed(&dx, Action::ManageProcedures, unset));
    }

    #[test]
    fn disabled_users_may_do_nothing() {
        for role in Role::ALL {
            let mut u = user(role, "企画課");
            u.disabled = true;
            assert!(!allowed(&u, Action::ViewStaff, Subject::None), "{role:?}");
        }
    }
}
