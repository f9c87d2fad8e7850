//! The words a body's plan uses for itself, its people, its head, its levels and its governance:
//! every page, export and message takes them from here, never from Kami's plan.

use super::Plan;
use crate::auth::model::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    /// The body's name (〇〇市)
    pub body: String,
    /// 町, 市, 県 …
    pub kind: String,
    /// 町民, 市民 …
    pub residents: String,
    /// 町長, 市長, 知事 …
    pub head: String,
    /// 町役場, 市役所, 県庁 …
    pub office: String,
    /// What the header calls the plan after the body's name: DX推進計画.
    pub plan_short: String,
    /// Level names, top first.
    pub levels: Vec<String>,
    /// The body that coordinates (e.g. a 企画 or デジタル推進 課); a neutral phrase when the plan names none.
    pub coordinating: String,
    /// The body that evaluates (〇〇推進委員会, 〇〇推進本部).
    pub committee: String,
    /// What the plan calls the departments that report (担当課, 所管課 …).
    pub department: String,
    /// Whether the plan has a 行程表 (pages and menus offer one only then).
    pub has_roadmap: bool,
}

impl Default for Words {
    fn default() -> Self {
        Words::neutral("")
    }
}

impl Words {
    pub fn of(plan: &Plan) -> Words {
        let body_name = |key: &str| plan.body(key).map(|b| b.name.clone());
        Words {
            body: plan.municipality.name.clone(),
            kind: plan.municipality.kind.clone(),
            residents: plan.municipality.residents.clone(),
            head: plan.municipality.head.clone(),
            office: plan.municipality.office.clone(),
            plan_short: if plan.short_title.is_empty() {
                "DX推進計画".into()
            } else {
                plan.short_title.clone()
            },
            levels: plan.levels.clone(),
            coordinating: plan
                .coordinating()
                .map(|b| b.name.clone())
                .unwrap_or_else(|| "計画の取りまとめ担当".into()),
            committee: body_name("committee").unwrap_or_else(|| "評価の会議".into()),
            department: body_name("department").unwrap_or_else(|| "担当課".into()),
            has_roadmap: plan.roadmap_years.is_some(),
        }
    }

    /// Before a plan is loaded: the town's name and neutral words.
    pub fn neutral(body: &str) -> Words {
        Words {
            body: body.to_string(),
            kind: String::new(),
            residents: "住民".into(),
            head: "首長".into(),
            office: "役所".into(),
            plan_short: "DX推進計画".into(),
            levels: ["基本方針", "取組", "施策"].map(String::from).to_vec(),
            coordinating: "計画の取りまとめ担当".into(),
            committee: "評価の会議".into(),
            department: "担当課".into(),
            has_roadmap: false,
        }
    }

    /// "〇〇市 DX推進計画"
    pub fn site_name(&self) -> String {
        format!("{} {}", self.body, self.plan_short)
    }

    /// The top level's name (基本方針).
    pub fn top(&self) -> &str {
        self.levels.first().map_or("", String::as_str)
    }

    /// A top-level item's label with its level name: 「基本方針1」 from label 「1」; a label that
    /// already carries it (「基本目標1」) is kept as written.
    pub fn top_label(&self, label: &str) -> String {
        if label.starts_with(self.top()) {
            label.to_string()
        } else {
            format!("{}{label}", self.top())
        }
    }

    /// The lowest level's name (施策).
    pub fn measure(&self) -> &str {
        self.levels.last().map_or("", String::as_str)
    }

    /// A level's name, 1 = top.
    pub fn level(&self, depth: usize) -> &str {
        self.levels
            .get(depth.saturating_sub(1))
            .map_or("", String::as_str)
    }

    /// The office by its name: 〇〇町役場, 〇〇市役所, 〇〇県庁.
    pub fn office_name(&self) -> String {
        let suffix = self.office.strip_prefix(&self.kind).unwrap_or(&self.office);
        format!("{}{}", self.body, suffix)
    }

    /// 〇〇長報告 / 知事報告
    pub fn head_report(&self) -> String {
        format!("{}報告", self.head)
    }

    /// A role as this body calls it.
    pub fn role(&self, role: Role) -> String {
        match role {
            Role::DxOffice => format!("計画の取りまとめ({})", self.coordinating),
            Role::DepartmentEditor => format!("{} 担当者", self.department),
            Role::Committee => format!("{} 委員", self.committee),
            r => r.label().to_string(),
        }
    }
}
