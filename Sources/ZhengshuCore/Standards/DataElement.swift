import Foundation

/// The built-in data elements (数据元) a catalog item can reference; each carries its standard's validator.
///
/// The governance issue turns this into an admin-extensible registry; these identifiers stay stable.
package enum DataElement: String, CaseIterable, Sendable, Codable {
    case citizenID = "citizen_id"
    case creditCode = "credit_code"
    case organizationCode = "org_code"
    case mobile
    case landline
    case email
    case bankCard = "bank_card"
    case divisionCode = "division_code"
    case sex
    case ethnicGroup = "ethnic_group"

    /// The Chinese name shown in the catalog.
    package var label: String {
        switch self {
        case .citizenID: "公民身份号码"
        case .creditCode: "统一社会信用代码"
        case .organizationCode: "组织机构代码"
        case .mobile: "手机号码"
        case .landline: "固定电话号码"
        case .email: "电子邮箱"
        case .bankCard: "银行卡号"
        case .divisionCode: "行政区划代码"
        case .sex: "性别代码"
        case .ethnicGroup: "民族"
        }
    }

    /// The standard the validator follows.
    package var standard: String {
        switch self {
        case .citizenID: "GB 11643-1999"
        case .creditCode: "GB 32100-2015"
        case .organizationCode: "GB 11714-1997"
        case .mobile, .landline: "YD/T 2376 numbering plan"
        case .email: "RFC 5322 (practical subset)"
        case .bankCard: "ISO/IEC 7812 (Luhn)"
        case .divisionCode: "GB/T 2260"
        case .sex: "GB/T 2261.1-2003"
        case .ethnicGroup: "GB 3304-1991"
        }
    }

    /// Why `value` does not conform to this element, or `nil` when it does.
    package func problem(with value: String) -> String? {
        switch self {
        case .citizenID:
            do {
                _ = try CitizenID(validating: value)
                return nil
            } catch { return error.description }
        case .creditCode:
            do {
                _ = try CreditCode(validating: value)
                return nil
            } catch { return error.description }
        case .organizationCode:
            do {
                _ = try OrganizationCode(validating: value)
                return nil
            } catch { return error.description }
        case .mobile:
            return PhoneNumber.isMobile(value) ? nil : "not a PRC mobile number (11 digits starting 13-19)"
        case .landline:
            return PhoneNumber.isLandline(value)
                ? nil : "not a landline number (optional 0xx(x)- area code, 7-8 digits)"
        case .email:
            return Email.isValid(value) ? nil : "not an e-mail address"
        case .bankCard:
            return BankCard.isValid(value) ? nil : "not a bank card number (16-19 digits with a Luhn check)"
        case .divisionCode:
            return Division.problem(with: value)
        case .sex:
            return Sex(rawValue: value) != nil ? nil : "not a GB/T 2261.1 sex code (0, 1, 2 or 9)"
        case .ethnicGroup:
            return EthnicGroup.name(forCode: value) != nil || EthnicGroup.code(forName: value) != nil
                ? nil : "not a GB 3304 ethnic group code (01-56) or name"
        }
    }
}
