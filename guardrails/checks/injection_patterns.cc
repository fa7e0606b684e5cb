#include "guardrails/checks/injection_patterns.h"

namespace across::guardrails {
namespace {

constexpr InjectionPattern kPatterns[] = {
    {"ignore_previous_instructions",
     R"((?i)\b(?:ignore|disregard|forget|skip|override|bypass|neglect)\s+)"
     // At most four filler words ("all of the above"), so prose that
     // mentions instructions much later does not match.
     R"((?:(?:all|any|the|your|my|these|those|every|of|above)\s+){0,4})"
     R"((?:previous|prior|above|earlier|preceding|foregoing|initial|original|system|old)\s+)"
     R"((?:instructions?|prompts?|directions?|rules?|guidelines?|directives?|commands?|context|messages?)\b)",
     "The canonical injection: tell the model to drop the instructions it "
     "was given (\"Ignore all previous instructions and ...\")."},
    {"ignore_everything_above",
     R"((?i)\b(?:ignore|disregard|forget)\s+(?:everything|anything|all)\s+)"
     R"((?:above|before|prior|previously\s+said|you\s+(?:were|have\s+been)\s+told)\b)",
     "Same intent without the word \"instructions\"."},
    {"new_instructions",
     R"((?i)\b(?:your\s+)?new\s+(?:instructions|rules|directives|system\s+prompt)\s+(?:are|is)\b)",
     "Replaces the operator's instructions (\"Your new instructions are: "
     "...\")."},
    {"dan_persona",
     R"((?i:\byou\s+are\s+(?:now\s+)?(?:going\s+to\s+(?:act|pretend)\s+as\s+)?)(?:DAN|STAN|DUDE|AIM)\b)",
     "Named jailbreak personas (DAN = \"Do Anything Now\"); case-sensitive "
     "so \"you are Dan\" (a name) does not match."},
    {"do_anything_now", R"((?i)\bdo\s+anything\s+now\b)",
     "The DAN prompt's own expansion, present in all its variants."},
    {"developer_mode",
     R"((?i)\b(?:enable|activate|enter|switch\s+to|turn\s+on|unlock)\s+(?:the\s+)?)"
     R"((?:developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered)\s+mode\b)"
     R"(|(?i)\b(?:developer|jailbreak|god)\s+mode\s+(?:enabled|activated|output)\b)",
     "\"Developer mode\" jailbreaks claim a hidden unrestricted mode. (May "
     "flag \"enable developer mode\" on a phone; use exclude if that "
     "matters.)"},
    {"system_prompt_exfiltration",
     R"((?i)\b(?:reveal|show|print|display|repeat|output|leak|dump|disclose|tell\s+me|give\s+me|write\s+out|recite)\s+)"
     R"((?:me\s+)?(?:your|the)\s+(?:(?:full|entire|complete|exact|verbatim)\s+)?)"
     R"((?:system\s+(?:prompt|message|instructions)|(?:initial|hidden|original|secret|confidential)\s+(?:prompt|instructions)))"
     R"(|(?i)\bwhat\s+(?:is|was|are|were)\s+your\s+(?:system\s+prompt|(?:initial|original|hidden|secret)\s+(?:prompt|instructions))\b)",
     "Attempts to extract the operator's system prompt."},
    {"repeat_text_above",
     R"((?i)\brepeat\s+(?:the\s+|all\s+)?(?:words|text|everything|all)\s+(?:above|before\s+this)\b)",
     "Prompt-leak phrasing that avoids the words \"system prompt\"."},
    {"unrestricted_roleplay",
     R"((?i)\b(?:pretend|act|behave|roleplay|role-play)\s+(?:to\s+be|as|like)\s+)"
     R"((?:if\s+you\s+(?:are|were)\s+)?(?:an?\s+)?(?:unrestricted|unfiltered|uncensored|evil|jailbroken|amoral)\b)",
     "Role-play used to shed the assistant's policies."},
    {"no_restrictions",
     R"((?i)\byou\s+(?:have|has|are\s+under|operate\s+with)\s+no\s+)"
     R"((?:restrictions|limitations|limits|filters|rules|guidelines|content\s+polic(?:y|ies))\b)"
     R"(|(?i)\b(?:freed|released|liberated)\s+from\s+(?:all\s+|the\s+|your\s+|typical\s+)*)"
     R"((?:restrictions|limitations|rules|guidelines|constraints|confines)\b)",
     "Asserts the model is no longer bound by its rules."},
    {"safety_bypass",
     R"((?i)\b(?:ignore|bypass|disable|override|turn\s+off|circumvent|deactivate)\s+)"
     R"((?:all\s+|any\s+|your\s+|the\s+|of\s+)*(?:safety|content|ethical|moderation)\s+)"
     R"((?:filters?|polic(?:y|ies)|guidelines|restrictions|rules|settings|protocols|measures)\b)",
     "Direct requests to switch off safety behaviour."},
    {"chat_template_tokens",
     R"(<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id)\|>)"
     R"(|\[/?INST\]|<</?SYS>>)",
     "Chat-template control tokens (ChatML, Llama) inside user text try to "
     "forge a system or assistant turn."},
    {"fake_system_message",
     R"((?im)^[ \t]*[\[(<]?(?:system|admin|developer)[\])>]?[ \t]*:[ \t]*)"
     R"((?:you\s+(?:are|must|will)|ignore|from\s+now\s+on|new\s+(?:rules|instructions)))",
     "A line posing as a system/admin message inside user content."},
};

}  // namespace

std::span<const InjectionPattern> InjectionPatterns() { return kPatterns; }

}  // namespace across::guardrails
