import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import org.h2.mvstore.MVStore;

/**
 * The mongo:7.0.16 stand-in's server: the MongoDB-wire server the project already runs locally
 * (scripts/infra/mongo/LocalMongoServer.java: mongo-java-server on an H2 MVStore file), bound to
 * every address of the container instead of loopback. Compiled when the image is built.
 *
 *   java -cp '/opt/mongo/libs/*:/opt/mongo' StandInMongoServer <data-file> <port>
 */
public class StandInMongoServer {
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: StandInMongoServer <data-file> <port>");
            System.exit(2);
        }
        MVStore store = new MVStore.Builder().fileName(args[0]).open();
        store.setAutoCommitDelay(100);
        MongoServer server = new MongoServer(new H2Backend(store));
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        server.bind("0.0.0.0", Integer.parseInt(args[1]));
        System.err.println("StandInMongoServer listening on 0.0.0.0:" + args[1] + " with data in " + args[0]);
    }
}
