/**
 * Applies deploy/kafka/access.conf (topics and ACLs) to the local broker, as the `admin` super user
 * (KAFKA_SASL_* from scripts/infra/up). Compose's kafka-init job applies the same file in production.
 */
import { applyKafkaAccess, createKafka, PRODUCTION_SCOPE } from '@tt/messaging';

applyKafkaAccess(createKafka('infra-access'), PRODUCTION_SCOPE)
  .then((acl) => console.log(`kafka access applied: ${acl.length} ACL entries`))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
