#pragma once

#include <QPalette>

namespace fdd::test {

// A dark desktop's palette (Discord's own greys), for the GUI tests and the
// screenshots: what the window must stay readable in.
inline QPalette darkPalette()
{
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x31));
    dark.setColor(QPalette::WindowText, QColor(0xdb, 0xde, 0xe1));
    dark.setColor(QPalette::Base, QColor(0x31, 0x33, 0x38));
    dark.setColor(QPalette::AlternateBase, QColor(0x2b, 0x2d, 0x31));
    dark.setColor(QPalette::Text, QColor(0xdb, 0xde, 0xe1));
    dark.setColor(QPalette::Button, QColor(0x3a, 0x3c, 0x42));
    dark.setColor(QPalette::ButtonText, QColor(0xdb, 0xde, 0xe1));
    dark.setColor(QPalette::PlaceholderText, QColor(0x94, 0x9b, 0xa4));
    dark.setColor(QPalette::Highlight, QColor(0x58, 0x65, 0xf2));
    dark.setColor(QPalette::HighlightedText, Qt::white);
    dark.setColor(QPalette::Link, QColor(0x00, 0xa8, 0xfc));
    return dark;
}

} // namespace fdd::test
