#pragma once

// Reading fields of a RapidJSON DOM parsed with kParseNumbersAsStringsFlag
// (numbers arrive as their text, so ids and sizes stay exact): a missing or
// mistyped field reads as empty. Shared by the export reader and the
// archive's detail JSON (model/message.cpp).

#include <rapidjson/document.h>

#include <QString>

#include <charconv>
#include <string_view>

namespace fdd::json {

using Value = rapidjson::Value;

inline const Value *find(const Value &o, const char *k)
{
    if (!o.IsObject())
        return nullptr;
    const auto it = o.FindMember(k);
    return it == o.MemberEnd() ? nullptr : &it->value;
}

inline std::string_view view(const Value &o, const char *k)
{
    const Value *v = find(o, k);
    return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength()) : std::string_view();
}

inline QString string(const Value &o, const char *k)
{
    const std::string_view v = view(o, k);
    return QString::fromUtf8(v.data(), qsizetype(v.size()));
}

template<typename Int>
Int integer(const Value &o, const char *k)
{
    const std::string_view v = view(o, k);
    Int out = 0;
    if (std::from_chars(v.data(), v.data() + v.size(), out).ec != std::errc())
        return 0;
    return out;
}

inline bool flag(const Value &o, const char *k)
{
    const Value *v = find(o, k);
    return v && v->IsBool() && v->GetBool();
}

inline const Value *object(const Value &o, const char *k)
{
    const Value *v = find(o, k);
    return v && v->IsObject() ? v : nullptr;
}

// Calls each(element) for every object of the array o[k].
template<typename F>
void forEachObject(const Value &o, const char *k, F each)
{
    const Value *v = find(o, k);
    if (!v || !v->IsArray())
        return;
    for (const Value &e : v->GetArray())
        if (e.IsObject())
            each(e);
}

} // namespace fdd::json
