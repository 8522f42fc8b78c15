import Testing
import ZhengshuCore

@Suite struct TextRedactionTests {
    @Test func recordValuesInFreeTextAreMaskedAndNothingElse() {
        // A problem's row key, a sandbox statement, a typed reason.
        #expect(TextRedaction.masked("row: 330106196612148071; field: name") == "row: 330106********8071; field: name")
        #expect(
            TextRedaction.masked("sql: SELECT * FROM t WHERE sfzh = '11010519491231002x'")
                == "sql: SELECT * FROM t WHERE sfzh = '110105********002x'")
        #expect(
            TextRedaction.masked("联系电话13800138000，卡号6222020200112233446") == "联系电话138****8000，卡号622202*********3446")
        // Left alone: a wrong check character, other lengths, numbers inside tokens, sequences, dates, credit codes.
        for text in [
            "row: 330106196612148073", "rows: 1000; ms: 12", "request: 5d41402abc4b2a76b9719d911017c592",
            "from=1800000000000", "91330100MA2B3C4D5E", "6222020200112233445", "12800138000",
        ] {
            #expect(TextRedaction.masked(text) == text, "\(text)")
        }
    }
}
