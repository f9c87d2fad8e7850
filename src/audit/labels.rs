//! What the audit log's codes mean, in the words a clerk reads on the page. The codes stay in the
//! database and the CSV export (stable for tools); the page shows these labels.

/// Every action code machi writes, with its label. A test fails when a code written by any
/// integration test has no label here.
const ACTIONS: &[(&str, &str)] = &[
    ("auth.sign_in", "サインイン"),
    ("auth.sign_in_failed", "サインイン失敗"),
    ("auth.sign_in_refused", "サインイン拒否(ロック中)"),
    ("auth.sign_out", "サインアウト"),
    ("user.create", "アカウント作成"),
    ("user.update", "アカウント変更"),
    ("user.password_change", "パスワード変更"),
    ("user.password_reset", "パスワード再設定"),
    ("identity.update", "団体の基本情報を変更"),
    ("identity.emblem", "団体のマーク(紋章)を登録"),
    ("identity.emblem_remove", "団体のマークを削除"),
    ("department.save", "課の連絡先を保存"),
    ("department.rename", "課の名前を変更"),
    ("department.delete", "課の連絡先を削除"),
    ("plan.import", "計画ファイルの読み込み"),
    ("plan.draft_create", "改定案を作成"),
    ("plan.draft_edit", "改定案を編集"),
    ("plan.draft_discard", "改定案を破棄"),
    ("plan.approve", "改定を承認"),
    ("plan.next_create", "次の計画案を作成"),
    ("plan.next_discard", "次の計画案を破棄"),
    ("plan.next_approve", "次の計画を承認"),
    ("measure.assign_department", "担当課を設定"),
    ("roadmap.progress", "行程の進み具合を記録"),
    ("register.add", "台帳に行を追加"),
    ("register.update", "台帳の行を変更"),
    ("register.import", "台帳にCSVを取り込み"),
    ("register.delete", "台帳の行を削除"),
    ("register.attach", "台帳の行にファイルを添付"),
    ("register.detach", "台帳の行からファイルを外す"),
    ("register.define", "台帳の定義を登録"),
    ("faq.save", "よくある質問を保存"),
    ("faq.delete", "よくある質問を削除"),
    ("faq.import", "よくある質問を取り込み"),
    ("faq.synonym_add", "同義語の組を追加"),
    ("faq.synonym_delete", "同義語の組を削除"),
    ("faq.message_done", "ヘルプのメッセージを対応済みに"),
    ("standardization.save", "標準化の進み具合を保存"),
    (
        "standardization.import",
        "標準化の進み具合をCSVから取り込み",
    ),
    ("standardization.steps", "標準化のステップ一覧を変更"),
    ("mynumber.import", "マイナンバーカードの交付状況を取り込み"),
    ("application.draft", "オンライン申請の確認メールを送信"),
    ("course.create", "講座(スマホ教室・研修)を登録"),
    ("course.session", "講座の回を登録"),
    ("course.book", "講座を予約(キャンセル待ちを含む)"),
    ("course.booking_state", "講座の予約の状態を変更"),
    ("course.walk_in", "講座の当日参加を記録"),
    ("course.feedback", "教室のアンケートを入力"),
    (
        "ordinance.import",
        "例規を取り込み(アナログ規制の候補を記録)",
    ),
    ("ordinance.decide", "アナログ規制の候補を判断"),
    ("ordinance.comment", "アナログ規制の候補にコメント"),
    ("ordinance.assign", "アナログ規制の候補を担当課に割り当て"),
    ("ordinance.check", "例規の点検済を記録"),
    ("ordinance.rules", "アナログ規制の検出の規則を保存"),
    ("ordinance.rescan", "例規をアナログ規制の規則で読み直し"),
    ("course.session_edit", "講座の回の内容を変更"),
    ("course.session_cancel", "講座の回を中止"),
    ("course.purge", "講座の予約の個人情報を削除(保存期間の経過)"),
    ("staff_directory.import", "職員名簿を取り込み"),
    ("staff_directory.save", "職員名簿の職員を保存"),
    ("training.create", "職員研修を登録"),
    ("training.session", "職員研修の回を登録"),
    ("training.attendance", "職員研修の出欠を記録"),
    ("training.elearning_import", "e-ラーニングの修了を取り込み"),
    ("training.material", "職員研修の資料を添付"),
    ("application.submit", "オンライン申請を送信"),
    ("application.corrected", "オンライン申請の補正を送信"),
    ("application.state", "オンライン申請の状況を変更"),
    ("application.view", "オンライン申請を閲覧"),
    ("application.print", "オンライン申請を印刷"),
    ("application.file", "オンライン申請の添付書類を閲覧"),
    ("application.export", "オンライン申請をCSVで出力"),
    (
        "application.purge",
        "オンライン申請の個人情報を削除(保存期間の経過)",
    ),
    ("receipt.record", "収納を記録"),
    ("receipt.reverse", "収納の記録を取消"),
    ("receipt.import", "収納データを取り込み"),
    ("receipt.day_close", "窓口の日計を締め"),
    ("receipt.day_confirm", "窓口の日計を確認・確定"),
    ("receipt.day_withdraw", "窓口の日計の締めを取消"),
    ("certificate.record", "証明書の発行を記録"),
    ("certificate.cancel", "証明書の発行の記録を取消"),
    ("certificate.import", "コンビニ交付の統計を取り込み"),
    ("kpi.record", "KPIの実績を記録"),
    ("period.create", "報告期間を作成"),
    ("report.save", "報告を一時保存"),
    ("report.submit", "報告を提出"),
    ("report.confirm", "報告を確認済に"),
    ("report.return", "報告を差戻し"),
    ("report.evaluate", "委員会の評価を記録"),
    ("report.finalize", "報告を確定"),
    ("report.reopen", "確定を解除して再開"),
    ("report.comment", "報告にコメント"),
    ("report.import", "実績の取り込み"),
    ("snapshot.issue", "報告書を発行"),
    ("dataset.create", "データセットを作成"),
    ("dataset.update", "データセットを変更"),
    ("dataset.publish", "データセットを公開"),
    ("dataset.withdraw", "データセットの公開を取り下げ"),
    ("resource.create", "リソースを追加"),
    (
        "resource.override_validation",
        "検証エラーのあるリソースを公開",
    ),
    ("resource.replace", "リソースのファイルを差し替え"),
    ("resource.delete", "リソースを削除"),
    ("dataset.delete", "データセットを削除"),
    ("schema.update", "データ項目定義を変更"),
    ("schema.reset", "データ項目定義を標準に戻す"),
    ("procedure.create", "手続きを追加"),
    ("procedure.update", "手続きを変更"),
    ("procedures.confirm", "手続きカタログを確認"),
    ("procedures.import", "手続きカタログの読み込み"),
    ("procedures.seed", "手続きカタログの初期データ"),
    ("procedures.forms_upgrade", "同梱の申請書様式の更新"),
    ("life_event.update", "ライフイベントの案内を変更"),
    ("form.update", "申請書の様式を変更"),
    ("visit.open", "窓口の受付を開始"),
    ("visit.answers", "窓口: 質問の答えを保存"),
    ("visit.person", "窓口: 届出人・対象者を保存"),
    ("visit.person_by_resident", "窓口: 住民がタブレットで入力"),
    ("visit.form_values", "窓口: 申請書の項目を保存"),
    ("visit.entry_link", "窓口: タブレット入力を発行"),
    ("visit.print", "窓口: 申請書を印刷"),
    ("visit.desk_done", "窓口: 担当窓口の手続き完了"),
    ("visit.close", "窓口の受付を完了"),
    ("visit.purge", "窓口: 保存期間を過ぎた個人情報を消去"),
];

/// What the entries are about.
const ENTITIES: &[(&str, &str)] = &[
    ("faq_entry", "よくある質問"),
    ("faq", "よくある質問(全体)"),
    ("faq_synonym", "同義語の組"),
    ("help_message", "ヘルプからのメッセージ"),
    ("session", "サインイン"),
    ("user", "アカウント"),
    ("identity", "団体の基本情報"),
    ("register", "台帳"),
    ("register_definition", "台帳の定義"),
    ("std_business", "標準化対象業務"),
    ("std_steps", "標準化のステップ"),
    ("mynumber_snapshot", "マイナンバーカードの交付状況"),
    ("receipt", "収納の記録"),
    ("application", "オンライン申請"),
    ("course", "講座"),
    ("course_session", "講座の回"),
    ("course_booking", "講座の予約"),
    ("course_feedback", "教室のアンケート"),
    ("ordinance", "例規"),
    ("ordinance_finding", "アナログ規制の候補"),
    ("ordinance_rules", "アナログ規制の検出の規則"),
    ("ordinance_rescan", "アナログ規制の読み直し"),
    ("staff_directory", "職員名簿"),
    ("staff_member", "職員名簿の職員"),
    ("training", "職員研修"),
    ("training_session", "職員研修の回"),
    ("training_attendance", "職員研修の出欠"),
    ("training_material", "職員研修の資料"),
    ("receipt_import", "収納データの取込"),
    ("receipt_day", "窓口の日計"),
    ("certificate_issue", "証明書の発行"),
    ("department", "課"),
    ("plan", "計画"),
    ("measure", "計画の項目"),
    ("kpi_actual", "KPIの実績"),
    ("period", "報告期間"),
    ("report", "報告"),
    ("snapshot", "報告書"),
    ("dataset", "データセット"),
    ("resource", "リソース"),
    ("schema", "データ項目定義"),
    ("procedure", "手続き"),
    ("procedures", "手続きカタログ"),
    ("life_event", "ライフイベントの案内"),
    ("form", "申請書の様式"),
    ("visit", "窓口の受付"),
];

fn find(table: &[(&str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The label of an action code, if machi knows it.
pub fn action(code: &str) -> Option<&'static str> {
    find(ACTIONS, code)
}

/// The label of an entity code, if machi knows it.
pub fn entity(code: &str) -> Option<&'static str> {
    find(ENTITIES, code)
}

/// Every action, for the page's filter: (code, label).
pub fn actions() -> &'static [(&'static str, &'static str)] {
    ACTIONS
}

/// Every entity, for the page's filter: (code, label).
pub fn entities() -> &'static [(&'static str, &'static str)] {
    ENTITIES
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_unique() {
        for table in [super::ACTIONS, super::ENTITIES] {
            let mut codes: Vec<_> = table.iter().map(|(c, _)| *c).collect();
            codes.sort_unstable();
            let n = codes.len();
            codes.dedup();
            assert_eq!(codes.len(), n);
        }
    }
}
