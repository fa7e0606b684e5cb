// Checksums and structural rules that turn a regex candidate into a
// confident finding. Regexes alone flag every 16-digit order number as a
// card; these cut false positives to a checksum's collision rate.
#pragma once

#include <string_view>

namespace across::guardrails::pii {

// Luhn (mod 10) over a string of ASCII digits.
bool LuhnValid(std::string_view digits);

// Card number as printed: 13-19 digits, optionally grouped with one kind
// of separator (space or '-'), a known issuer prefix (Visa, Mastercard,
// Amex, Discover, Diners, JCB, UnionPay, Maestro) and a valid Luhn digit.
bool CardNumberValid(std::string_view candidate);

// IBAN, compact or grouped by single spaces: a registered country code with
// that country's length, and ISO 7064 mod 97-10 remainder 1.
bool IbanValid(std::string_view candidate);

// US SSN "AAA-GG-SSSS" (or spaces, used consistently): area not 000, 666 or
// 900-999, group not 00, serial not 0000 (SSA's never-issued ranges).
bool UsSsnValid(std::string_view candidate);

// Dotted quad, each octet 0-255 without leading zeros.
bool Ipv4Valid(std::string_view candidate);

// An address inet_pton accepts with at least two non-empty groups and one
// digit: excludes "::", "::1" and C++'s "a::b", which are not personal data.
bool Ipv6Valid(std::string_view candidate);

// Email structure beyond the regex: local part 1-64 without leading,
// trailing or doubled dots; domain labels 1-63 chars not starting or ending
// with '-'; whole address at most 254.
bool EmailValid(std::string_view candidate);

// Phone: 8-15 digits after '+' (E.164), or a NANP number (10 digits, 11
// with a leading 1; area and exchange start 2-9), or a trunk-0 national
// number of 9-11 digits.
bool PhoneValid(std::string_view candidate);

// Random-looking key material: has a digit, an upper- and a lower-case
// letter. Keeps "sk-learn-compatible-estimators" out of OPENAI_KEY.
bool LooksRandom(std::string_view body);

}  // namespace across::guardrails::pii
