//! The 自治体標準オープンデータセット schemas bundled with machi. Only 13 公衆トイレ一覧 has every
//! column verified against the definition book; the others are provisional (the columns confirmed
//! so far, matched as a superset) until 企画課 checks them.

use super::schema::TableSchema;

pub struct Standard {
    /// The file key used by BODIK and in file names (public_toilet …).
    pub key: &'static str,
    pub json: &'static str,
}

pub const STANDARDS: [Standard; 4] = [
    Standard {
        key: "public_toilet",
        json: include_str!("schemas/public_toilet.json"),
    },
    Standard {
        key: "evacuation_space",
        json: include_str!("schemas/evacuation_space.json"),
    },
    Standard {
        key: "aed",
        json: include_str!("schemas/aed.json"),
    },
    Standard {
        key: "tourism",
        json: include_str!("schemas/tourism.json"),
    },
];

pub fn by_key(key: &str) -> Option<&'static Standard> {
    STANDARDS.iter().find(|s| s.key == key)
}

impl Standard {
    pub fn schema(&self) -> TableSchema {
        TableSchema::from_json(self.json).expect("bundled schemas are valid")
    }

    /// Dataset number and name, and whether the columns are verified.
    pub fn info(&self) -> (String, String, bool) {
        let s = self.schema();
        let meta = s.extra.get("machi:standard").cloned().unwrap_or_default();
        (
            meta["number"].as_str().unwrap_or("").to_string(),
            meta["name"].as_str().unwrap_or("").to_string(),
            meta["status"].as_str() == Some("verified"),
        )
    }

    /// An empty CSV with the header row, UTF-8 with BOM.
    pub fn template_csv(&self) -> Vec<u8> {
        let names: Vec<String> = self
            .schema()
            .fields
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let header: Vec<&str> = names.iter().map(String::as_str).collect();
        crate::textfile::csv_bytes(
            &header,
            Vec::<Vec<String>>::new(),
            crate::textfile::CsvEncoding::Utf8Bom,
        )
        .expect("a header row always writes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_schemas_load_and_compile() {
        for s in STANDARDS {
            let schema = s.schema();
            schema.compile().unwrap();
            let (number, name, verified) = s.info();
            assert!(!number.is_empty() && !name.is_empty(), "{}", s.key);
            assert_eq!(verified, s.key == "public_toilet");
        }
        let toilet = by_key("public_toilet").unwrap().schema();
        assert_eq!(toilet.fields.len(), 39);
        assert_eq!(toilet.fields[0].name, "全国地方公共団体コード");
        let template = String::from_utf8(by_key("public_toilet").unwrap().template_csv()).unwrap();
        assert!(template.starts_with("\u{feff}全国地方公共団体コード,ID,地方公共団体名,名称,"));
    }
}
