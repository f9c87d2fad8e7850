//! Fills in what a plan leaves implicit, so the rest of machi reads one shape: a version 1 file (three
//! fixed levels, one KPI per 施策, Kami's three classes), an older stored revision, or a version 2
//! file that omits printed numbers or KPI keys.

use super::{FORMAT, FORMAT_V1, MeasureClass, Plan, circled, code_numbers};

/// What a body's kind implies when the plan does not say: (residents, head, office).
fn kind_words(kind: &str) -> (&'static str, &'static str, &'static str) {
    match kind {
        "町" => ("町民", "町長", "町役場"),
        "村" => ("村民", "村長", "村役場"),
        "市" => ("市民", "市長", "市役所"),
        "区" => ("区民", "区長", "区役所"),
        "都" => ("都民", "知事", "都庁"),
        "道" => ("道民", "知事", "道庁"),
        "府" => ("府民", "知事", "府庁"),
        "県" => ("県民", "知事", "県庁"),
        _ => ("住民", "首長", "役所"),
    }
}

/// The kind read from the end of a body's name (〇〇町 → 町, 〇〇広域連合 → 広域連合).
pub fn kind_of_name(name: &str) -> String {
    for long in ["広域連合", "一部事務組合"] {
        if name.ends_with(long) {
            return long.to_string();
        }
    }
    match name.chars().last() {
        Some(c @ ('町' | '村' | '市' | '区' | '都' | '道' | '府' | '県')) => c.to_string(),
        _ => String::new(),
    }
}

impl Plan {
    /// Brings a plan read from any version into the current shape (idempotent).
    pub fn normalize(&mut self) {
        let v1 = self.format == FORMAT_V1;
        let m = &mut self.municipality;
        if m.kind.is_empty() {
            m.kind = kind_of_name(&m.name);
        }
        let (residents, head, office) = kind_words(&m.kind);
        if m.office.is_empty() {
            m.office = office.to_string();
        }
        if m.residents.is_empty() {
            m.residents = residents.to_string();
        }
        if m.head.is_empty() {
            m.head = head.to_string();
        }
        if v1 {
            // Version 1 had these levels and these classes, fixed.
            if self.levels.is_empty() {
                self.levels = ["基本方針", "取組内容", "施策"].map(String::from).to_vec();
            }
            if self.classes.is_empty() {
                self.classes = vec![
                    MeasureClass {
                        key: "priority".into(),
                        label: "重点取組事項".into(),
                        description: String::new(),
                    },
                    MeasureClass {
                        key: "companion".into(),
                        label: "あわせて取り組むべき事項".into(),
                        description: String::new(),
                    },
                    MeasureClass {
                        key: "local".into(),
                        label: format!("{}独自の取組", self.municipality.kind),
                        description: String::new(),
                    },
                ];
            }
        }
        for p in &mut self.policies {
            if p.code.is_empty() && p.number > 0 {
                p.code = p.number.to_string();
            }
            if p.number == 0 {
                p.number = p.code.parse().unwrap_or(0);
            }
            if p.label.is_empty() {
                p.label = p.code.clone();
            }
        }
        for a in &mut self.areas {
            if a.code.is_empty() && a.policy > 0 && a.number > 0 {
                a.code = format!("{}-{}", a.policy, a.number);
                if a.label.is_empty() {
                    a.label = format!("{}-{}", a.policy, circled(a.number));
                }
            }
            if let Some(n) = code_numbers(&a.code) {
                a.policy = n.first().copied().unwrap_or(0);
                a.number = n.last().copied().unwrap_or(0);
            }
            if a.label.is_empty() {
                a.label = a.code.clone();
            }
        }
        for m in &mut self.measures {
            if let Some(k) = m.kpi.take() {
                m.kpis.insert(0, k);
            }
            if m.label.is_empty() {
                m.label = match code_numbers(&m.code).as_deref() {
                    Some([p, a, n]) if v1 => format!("{p}-{}-{n})", circled(*a)),
                    _ => m.code.clone(),
                };
            }
        }
        let owners = self
            .policies
            .iter_mut()
            .map(|p| (p.code.clone(), &mut p.kpis))
            .chain(self.areas.iter_mut().map(|a| (a.code.clone(), &mut a.kpis)))
            .chain(
                self.measures
                    .iter_mut()
                    .map(|m| (m.code.clone(), &mut m.kpis)),
            );
        for (code, kpis) in owners {
            for (i, k) in kpis.iter_mut().enumerate() {
                if k.key.is_empty() {
                    k.key = if i == 0 {
                        code.clone()
                    } else {
                        format!("{code}.{}", i + 1)
                    };
                }
            }
        }
        if v1 {
            // An unknown format is left as written, for the file check to name.
            self.format = FORMAT.to_string();
        }
    }
}
