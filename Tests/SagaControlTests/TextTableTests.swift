import Testing
@testable import SagaControl

@Suite("TextTable")
struct TextTableTests {
    @Test("pads each column to its widest cell and separates columns by two spaces")
    func alignsColumns() {
        var table = TextTable([.init("ID"), .init("STATUS"), .init("AMOUNT", .right), .init("ACCOUNT")])
        table.append(["ord_1", "created", "12.34", "alice"])
        table.append(["ord_200", "finished", "5.00", "bob"])

        #expect(table.renderedLines() == [
            "ID       STATUS    AMOUNT  ACCOUNT",
            "ord_1    created    12.34  alice",
            "ord_200  finished    5.00  bob",
        ])
        #expect(table.columnWidths == [7, 8, 6, 7])
    }

    @Test("a title wider than every cell sets the column width")
    func titleSetsWidth() {
        var table = TextTable([.init("PARTITION", .right), .init("T")])
        table.append(["3", "order_pending"])
        #expect(table.renderedLines() == ["PARTITION  T", "        3  order_pending"])
    }

    @Test("an empty table is just its header, without trailing spaces")
    func emptyTable() {
        let table = TextTable([.init("TOPIC"), .init("PARTITION", .right), .init("END")])
        #expect(table.renderedLines() == ["TOPIC  PARTITION  END"])
        #expect(table.rendered() == "TOPIC  PARTITION  END")
    }

    @Test("short rows are padded with blanks and long rows cut to the columns")
    func rowShapes() {
        var table = TextTable([.init("A"), .init("B"), .init("C")])
        table.append(["1"])
        table.append(["x", "yy", "zzz", "extra"])
        #expect(table.rows == [["1", "", ""], ["x", "yy", "zzz"]])
        #expect(table.renderedLines() == ["A  B   C", "1", "x  yy  zzz"])
    }

    @Test("widths count characters, not bytes")
    func unicodeWidths() {
        var table = TextTable([.init("NAME"), .init("N", .right)])
        table.append(["café", "1"])
        table.append(["create → terminal", "22"])
        #expect(table.renderedLines() == [
            "NAME                N",
            "café                1",
            "create → terminal  22",
        ])
    }
}
