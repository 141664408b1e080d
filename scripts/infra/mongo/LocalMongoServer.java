import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import io.netty.channel.Channel;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Document;
import org.h2.mvstore.MVMap;
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
 *
 * One change to how mongo-java-server plans a query (see IdFirstCollection): a filter that names an
 * `_id` value besides other fields (every compare-and-set update: `{_id, version}`, `{_id, status}`)
 * is answered through the `_id` index, as MongoDB does, instead of by reading the whole collection.
 *
 * serverStatus reports `opcounters` as mongod does (insert, update and delete count documents or
 * statements, query counts finds, getmore its batches, command everything else), so a benchmark can
 * tell how many store operations a unit of work costs.
 *
 * Like mongod's slow-operation log, every query answered by reading a whole collection that takes at
 * least LOCAL_MONGO_SLOW_MS milliseconds (default 100; 0 turns it off) is logged to stderr, with the
 * collection, the filter's field names (never its values), the documents read and the time taken: on
 * this store that is where the time of a slow system goes.
 */
public class LocalMongoServer {
    public static void main(String[] args) {
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: LocalMongoServer <data-file> <port> [bind-address]");
            System.exit(2);
        }
        MVStore store = new MVStore.Builder().fileName(args[0]).open();
        store.setAutoCommitDelay(100);
        MongoServer server = new MongoServer(new IdFirstBackend(store));
        // Closes the clients, then the backend, which commits the store.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        String address = args.length == 3 ? args[2] : "127.0.0.1";
        server.bind(address, Integer.parseInt(args[1]));
        System.err.println("LocalMongoServer listening on " + address + ":" + args[1] + " with data in " + args[0]);
    }

    /** The H2 backend, with databases whose collections are IdFirstCollections, and opcounters. */
    static class IdFirstBackend extends H2Backend {
        private final LongAdder inserts = new LongAdder();
        private final LongAdder queries = new LongAdder();
        private final LongAdder updates = new LongAdder();
        private final LongAdder deletes = new LongAdder();
        private final LongAdder getMores = new LongAdder();
        private final LongAdder commands = new LongAdder();

        IdFirstBackend(MVStore store) {
            super(store);
        }

        @Override
        public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
            switch (command.toLowerCase()) {
                case "insert" -> inserts.add(sizeOf(query.get("documents")));
                case "update" -> updates.add(sizeOf(query.get("updates")));
                case "delete" -> deletes.add(sizeOf(query.get("deletes")));
                case "find" -> queries.increment();
                case "getmore" -> getMores.increment();
                default -> commands.increment();
            }
            return super.handleCommand(channel, databaseName, command, query);
        }

        private static int sizeOf(Object statements) {
            return statements instanceof Collection<?> list ? list.size() : 1;
        }

        @Override
        public Document getServerStatus() {
            Document status = super.getServerStatus();
            Document opcounters = new Document();
            opcounters.put("insert", inserts.sum());
            opcounters.put("query", queries.sum());
            opcounters.put("update", updates.sum());
            opcounters.put("delete", deletes.sum());
            opcounters.put("getmore", getMores.sum());
            opcounters.put("command", commands.sum());
            status.put("opcounters", opcounters);
            return status;
        }

        @Override
        protected MongoDatabase openOrCreateDatabase(String databaseName) {
            return new IdFirstDatabase(databaseName, getMvStore(), getCursorRegistry());
        }
    }

    static class IdFirstDatabase extends H2Database {
        // Set before the superclass constructor opens the existing collections (it calls openOrCreateCollection).
        private static MVStore store;

        IdFirstDatabase(String databaseName, MVStore mvStore, CursorRegistry cursors) {
            super(databaseName, remember(mvStore), cursors);
        }

        private static MVStore remember(MVStore mvStore) {
            store = mvStore;
            return mvStore;
        }

        /** As H2Database does (the same map names), with an IdFirstCollection. */
        @Override
        protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
            String fullName = getFullCollectionNamespace(collectionName);
            MVMap<Object, Document> dataMap = store.openMap("databases." + fullName);
            MVMap<String, Object> metaMap = store.openMap("meta." + fullName);
            return new IdFirstCollection(this, collectionName, options, dataMap, metaMap, cursorRegistry);
        }
    }

    /**
     * mongo-java-server uses an index only when a query names exactly the index's fields, so
     * `{_id: 'x', status: 'proposed'}` reads every document of the collection. Here such a query takes
     * the (at most one) document with that `_id` from the `_id` index and matches the whole query
     * against it: the same answer, in time independent of the collection's size. Only a plain `_id`
     * value is taken this way (no operator, array, embedded document or pattern).
     */
    static class IdFirstCollection extends H2Collection {
        private static final long SLOW_MS = slowMs();

        IdFirstCollection(MongoDatabase database, String name, CollectionOptions options, MVMap<Object, Document> dataMap, MVMap<String, Object> metaMap, CursorRegistry cursors) {
            super(database, name, options, dataMap, metaMap, cursors);
        }

        @Override
        protected QueryResult matchDocuments(Document query, Document orderBy, int numberToSkip, int numberToReturn, int batchSize, Document fieldSelector) {
            Object id = query.get("_id");
            if (query.size() > 1 && isPlainValue(id)) {
                List<Document> candidates = new ArrayList<>();
                for (Document document : queryDocuments(new Document("_id", id), null, 0, 0, 0, null)) {
                    candidates.add(document);
                }
                return matchDocumentsFromStream(candidates.stream(), query, orderBy, numberToSkip, numberToReturn, batchSize, fieldSelector);
            }
            long started = System.nanoTime();
            QueryResult result = super.matchDocuments(query, orderBy, numberToSkip, numberToReturn, batchSize, fieldSelector);
            long ms = (System.nanoTime() - started) / 1_000_000;
            if (SLOW_MS > 0 && ms >= SLOW_MS) {
                System.err.println("slow scan: " + getFullName() + " filter " + query.keySet() + (orderBy == null || orderBy.isEmpty() ? "" : " sort " + orderBy.keySet())
                    + " read " + count() + " documents in " + ms + " ms");
            }
            return result;
        }

        private static long slowMs() {
            String value = System.getenv("LOCAL_MONGO_SLOW_MS");
            return value == null || value.isBlank() ? 100 : Long.parseLong(value.trim());
        }

        private static boolean isPlainValue(Object value) {
            return value != null && !(value instanceof Document) && !(value instanceof Collection) && !(value instanceof BsonRegularExpression)
                && !(value instanceof java.util.regex.Pattern);
        }
    }
}
