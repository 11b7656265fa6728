#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace fdd {

// What went wrong, as a sentence a user can act on, and how an adapter should
// report it (REST status, CLI exit code).
struct Error
{
    enum class Kind {
        BadInput,    // the request or file is wrong: 400, exit 2
        NotFound,    // what was asked for is not there: 404, exit 2
        Unavailable, // a server cannot be reached: 503, exit 3
        Cancelled,   // the user stopped it
        Busy,        // another process is doing it right now: 409, exit 3
        Internal,    // a real fault: 500, exit 1
    };

    Kind kind = Kind::Internal;
    QString message;

    static Error badInput(QString m) { return {Kind::BadInput, std::move(m)}; }
    static Error notFound(QString m) { return {Kind::NotFound, std::move(m)}; }
    static Error unavailable(QString m) { return {Kind::Unavailable, std::move(m)}; }
    static Error cancelled(QString m) { return {Kind::Cancelled, std::move(m)}; }
    static Error busy(QString m) { return {Kind::Busy, std::move(m)}; }
    static Error internal(QString m) { return {Kind::Internal, std::move(m)}; }
};

// A value or an Error: errors are values, never exceptions across the event loop.
template<typename T>
class [[nodiscard]] Expected
{
public:
    Expected(T value) : m_data(std::in_place_index<0>, std::move(value)) {}
    Expected(Error error) : m_data(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(m_data); }
    const T &value() const & { return std::get<0>(m_data); }
    T &&value() && { return std::get<0>(std::move(m_data)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    const Error &error() const { return std::get<1>(m_data); }

private:
    std::variant<T, Error> m_data;
};

template<>
class [[nodiscard]] Expected<void>
{
public:
    Expected() = default;
    Expected(Error error) : m_error(std::move(error)) {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

} // namespace fdd
