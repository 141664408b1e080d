import { SERVICE_NAMES, SUBSCRIPTIONS, type Subscription } from '@tt/contracts';
import { checkSubscription } from './kafka-event.transport';

describe('checkSubscription (what the transport verifies before it subscribes)', () => {
  const subscription: Subscription = {
    handles: ['cn.techtransfer.need.captured.v1', 'cn.techtransfer.need.revised.v1'],
    ignores: ['cn.techtransfer.need.withdrawn.v1', 'cn.techtransfer.need.closed.v1'],
  };

  it('accepts handlers that are exactly the handled types, with the rest of the topic ignored', () => {
    expect(() => checkSubscription(['cn.techtransfer.need.revised.v1', 'cn.techtransfer.need.captured.v1'], subscription)).not.toThrow();
  });

  it.each([
    ['a handler the subscription does not list', ['cn.techtransfer.need.captured.v1', 'cn.techtransfer.need.revised.v1', 'cn.techtransfer.need.closed.v1'], subscription, /not in the service's SUBSCRIPTIONS handles/],
    ['a handled type without a handler', ['cn.techtransfer.need.captured.v1'], subscription, /no handler for cn.techtransfer.need.revised.v1, which/],
    ['a handler for no event of the contracts', ['cn.techtransfer.need.captured.v1', 'cn.techtransfer.need.revised.v1', 'cn.techtransfer.need.lost.v1'], subscription, /names no event/],
    ['a type on the topic neither handled nor ignored', ['cn.techtransfer.need.captured.v1', 'cn.techtransfer.need.revised.v1'], { ...subscription, ignores: ['cn.techtransfer.need.withdrawn.v1'] }, /no handler for cn.techtransfer.need.closed.v1: handle them or list them/],
    ['a type both handled and ignored', ['cn.techtransfer.need.captured.v1', 'cn.techtransfer.need.revised.v1'], { ...subscription, ignores: [...subscription.ignores, 'cn.techtransfer.need.revised.v1'] }, /both handled and ignored/],
  ] as const)('refuses %s', (_, handlers, sub, message) => {
    expect(() => checkSubscription([...handlers], sub as Subscription)).toThrow(message);
  });

  it.each(SERVICE_NAMES)('%s: its SUBSCRIPTIONS cover every type on the topics it reads', (service) => {
    expect(() => checkSubscription([...SUBSCRIPTIONS[service].handles], SUBSCRIPTIONS[service])).not.toThrow();
  });
});
