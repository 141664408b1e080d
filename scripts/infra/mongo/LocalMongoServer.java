import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import org.h2.mvstore.MVStore;

/**
 * The local MongoDB-wire server: mongo-java-server on an H2 MVStore file, bound to loopback (or to
 * the address given: the compose smoke test's mongo stand-in binds every address of its container).
 * Run by scripts/infra/up with Java's single-file source launcher (no build step):
 *
 *   java -cp '.infra/mongo/libs/*' LocalMongoServer.java <data-file> <port> [bind-address]
 *
 * Writes are committed to the file at most 100 ms after they are acknowledged (MVStore's default
 * is 1 s); a clean stop (SIGTERM) commits everything. This is a development store: production
 * and docker compose run MongoDB itself.
 */
public class LocalMongoServer {
    public static void main(String[] args) {
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: LocalMongoServer <data-file> <port> [bind-address]");
            System.exit(2);
        }
        MVStore store = new MVStore.Builder().fileName(args[0]).open();
        store.setAutoCommitDelay(100);
        MongoServer server = new MongoServer(new H2Backend(store));
        // Closes the clients, then the backend, which commits the store.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        String address = args.length == 3 ? args[2] : "127.0.0.1";
        server.bind(address, Integer.parseInt(args[1]));
        System.err.println("LocalMongoServer listening on " + address + ":" + args[1] + " with data in " + args[0]);
    }
}
