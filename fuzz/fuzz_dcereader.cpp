// libFuzzer target: DiscordChatExporter exports of any bytes. The reader must
// answer every input with messages or an error sentence, never a crash, a
// sanitizer report or unbounded memory.
#include "dce/dcereader.h"

#include <QString>

#include <cstdint>
#include <sys/mman.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // The reader reads files: give it one in memory.
    const int fd = memfd_create("export.json", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    for (size_t done = 0; done < size;) {
        const ssize_t n = ::write(fd, data + done, size - done);
        if (n <= 0)
            break;
        done += size_t(n);
    }
    qint64 messages = 0;
    const fdd::Expected<fdd::ReadSummary> r = fdd::DceReader::read(
        QStringLiteral("/proc/self/fd/%1").arg(fd),
        [&messages](const fdd::ExportHeader &, const QList<fdd::Message> &batch) -> fdd::Expected<void> {
            messages += batch.size();
            return {};
        });
    if (!r && r.error().message.isEmpty())
        __builtin_trap(); // every failure must carry a sentence
    ::close(fd);
    return 0;
}
