//! Trainings' typed values: what the plan's KPIs count (category), how a training is given
//! (kind), who must take it (target), and a person's status for it.

/// What a training is about; the plan's KPIs count trainings held per category and 年度.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Security,
    IctLiteracy,
    Other,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Security, Category::IctLiteracy, Category::Other];
    pub fn code(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::IctLiteracy => "ict_literacy",
            Category::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Category::Security => "情報セキュリティ",
            Category::IctLiteracy => "ICTリテラシー(デジタル活用)",
            Category::Other => "その他",
        }
    }
    /// The KPI source a plan names for the category (`trainings.security`).
    pub fn kpi_key(self) -> Option<&'static str> {
        match self {
            Category::Security => Some("trainings.security"),
            Category::IctLiteracy => Some("trainings.ict_literacy"),
            Category::Other => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 集合研修: in a room, attendance at the door or by QR.
    Classroom,
    /// オンライン (live): attendance marked by the organiser.
    Online,
    /// e-learning: completions imported from the e-learning system's CSV.
    Elearning,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Classroom, Kind::Online, Kind::Elearning];
    pub fn code(self) -> &'static str {
        match self {
            Kind::Classroom => "classroom",
            Kind::Online => "online",
            Kind::Elearning => "elearning",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Classroom => "集合研修",
            Kind::Online => "オンライン研修",
            Kind::Elearning => "e-ラーニング",
        }
    }
}

/// Who must take a training.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    AllStaff,
    Department(String),
    Job(String),
    /// Staff who joined in the training's 年度.
    NewStaff,
}

impl Target {
    pub fn code(&self) -> &'static str {
        match self {
            Target::AllStaff => "all",
            Target::Department(_) => "department",
            Target::Job(_) => "job",
            Target::NewStaff => "new",
        }
    }
    pub fn value(&self) -> &str {
        match self {
            Target::Department(v) | Target::Job(v) => v,
            _ => "",
        }
    }
    pub fn parse(code: &str, value: &str) -> Option<Target> {
        let value = value.trim();
        match code {
            "all" => Some(Target::AllStaff),
            "new" => Some(Target::NewStaff),
            "department" if !value.is_empty() => Some(Target::Department(value.into())),
            "job" if !value.is_empty() => Some(Target::Job(value.into())),
            _ => None,
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Target::AllStaff => "全職員".into(),
            Target::Department(d) => format!("{d}の職員"),
            Target::Job(j) => format!("職種「{j}」の職員"),
            Target::NewStaff => "その年度の新規採用職員".into(),
        }
    }
}

/// A person's status for a training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 出席 (or an e-learning completion).
    Present,
    /// 遅刻: attended, counts as taken.
    Late,
    Absent,
    /// 免除 (with a reason): out of the target for this training.
    Excused,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Present,
        Status::Late,
        Status::Absent,
        Status::Excused,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Status::Present => "present",
            Status::Late => "late",
            Status::Absent => "absent",
            Status::Excused => "excused",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Present => "出席",
            Status::Late => "遅刻",
            Status::Absent => "欠席",
            Status::Excused => "免除",
        }
    }
    /// Counts as having taken the training.
    pub fn taken(self) -> bool {
        matches!(self, Status::Present | Status::Late)
    }
}

/// How an attendance was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Staff,
    /// The person, by the session's QR code.
    SelfMarked,
    /// The e-learning system's CSV.
    Import,
}

impl Via {
    pub fn code(self) -> &'static str {
        match self {
            Via::Staff => "staff",
            Via::SelfMarked => "self",
            Via::Import => "import",
        }
    }
    pub fn label_of(code: &str) -> &'static str {
        match code {
            "self" => "本人(QRコード)",
            "import" => "e-ラーニングの記録",
            _ => "担当者",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.code()), Some(c));
        }
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.code()), Some(k));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
        }
        assert_eq!(
            Target::parse("department", " 税務課 "),
            Some(Target::Department("税務課".into()))
        );
        assert_eq!(Target::parse("job", ""), None);
        assert!(Status::Late.taken() && !Status::Excused.taken());
    }
}
