#include "secrets/keychain.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <memory>

using namespace fdd;

namespace {

const Keychain::Entry testEntry{QStringLiteral("test-entry"), QStringLiteral("the test entry")};

// Runs `work` in a thread of its own; the spy sees it end.
std::unique_ptr<QThread> inThread(std::function<void()> work)
{
    std::unique_ptr<QThread> thread(QThread::create(std::move(work)));
    thread->start();
    return thread;
}

// For QVERIFY2, which evaluates its message in Qt 6.4 even when all is well.
template<typename T>
QString problem(const Expected<T> &e)
{
    return e.ok() ? QString() : e.error().message;
}

} // namespace

// The keychain from threads other than the application's: QtKeychain runs
// its jobs in the thread that first used it, so a read started in a worker
// thread first left every later job of the GUI thread waiting for ever.
// Under tests/support/with-keyring (a real Secret Service of its own).
class TestKeychain : public QObject
{
    Q_OBJECT

private slots:
    // Runs first, before anything else of the process used QtKeychain.
    void aWorkerThreadReadsFirstAndTheApplicationStillCan()
    {
        if (qEnvironmentVariableIsEmpty("FDD_TEST_KEYRING"))
            QSKIP("needs a Secret Service: run under tests/support/with-keyring");
        const KeychainRelay relay(testEntry);
        std::optional<Expected<std::optional<QString>>> fromWorker;
        auto worker = inThread([&] { fromWorker.emplace(relay.read()); });
        QSignalSpy ended(worker.get(), &QThread::finished);
        QVERIFY(ended.wait(20000)); // answered by this thread's event loop
        QVERIFY(fromWorker.has_value());
        QVERIFY2(fromWorker->ok(), qPrintable(problem(*fromWorker)));
        QVERIFY(!fromWorker->value().has_value()); // nothing stored yet

        // The application's own asynchronous calls still run.
        std::optional<Expected<void>> written;
        Keychain::write(testEntry, QStringLiteral("s3cret"), this, [&](Expected<void> w) { written.emplace(std::move(w)); });
        QTRY_VERIFY_WITH_TIMEOUT(written.has_value(), 20000);
        QVERIFY2(written->ok(), qPrintable(problem(*written)));
        std::optional<Expected<std::optional<QString>>> read;
        Keychain::read(testEntry, this, [&](Expected<std::optional<QString>> r) { read.emplace(std::move(r)); });
        QTRY_VERIFY_WITH_TIMEOUT(read.has_value(), 20000);
        QVERIFY(read->ok() && read->value().has_value());
        QCOMPARE(read->value().value(), QStringLiteral("s3cret"));

        // And a worker sees what the application wrote.
        fromWorker.reset();
        worker = inThread([&] { fromWorker.emplace(relay.read()); });
        QSignalSpy endedAgain(worker.get(), &QThread::finished);
        QVERIFY(endedAgain.wait(20000));
        QVERIFY(fromWorker.has_value() && fromWorker->ok() && fromWorker->value().has_value());
        QCOMPARE(fromWorker->value().value(), QStringLiteral("s3cret"));

        std::optional<Expected<void>> forgotten;
        Keychain::forget(testEntry, this, [&](Expected<void> f) { forgotten.emplace(std::move(f)); });
        QTRY_VERIFY_WITH_TIMEOUT(forgotten.has_value(), 20000);
        QVERIFY(forgotten->ok());
    }

    // A thread waiting for the keychain while the application's thread is
    // busy stopping it (and so can't answer) is let go by close().
    void closeEndsTheWait()
    {
        const KeychainRelay relay(testEntry);
        std::optional<Expected<std::optional<QString>>> fromWorker;
        auto worker = inThread([&] { fromWorker.emplace(relay.read()); });
        // This thread runs no event loop from here on: only close() lets the worker go.
        relay.close();
        QVERIFY(worker->wait(20000));
        QVERIFY(fromWorker.has_value() && !fromWorker->ok());
        QCOMPARE(fromWorker->error().kind, Error::Kind::Cancelled);
        QVERIFY(fromWorker->error().message.contains(QStringLiteral("the test entry")));

        // Later reads don't wait at all.
        fromWorker.reset();
        worker = inThread([&] { fromWorker.emplace(relay.read()); });
        QVERIFY(worker->wait(20000));
        QVERIFY(fromWorker.has_value() && !fromWorker->ok());
        QCoreApplication::processEvents(); // the reads queued for this thread run, harmlessly
    }
};

QTEST_GUILESS_MAIN(TestKeychain)
#include "tst_keychain.moc"
