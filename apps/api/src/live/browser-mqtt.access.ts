import { Inject, Injectable } from '@nestjs/common';
import { EMBEDDED_BROKER, type EmbeddedBroker } from '@fleet/messaging';
import { LiveAuth } from './live.auth';

/**
 * Lets browsers read robot topics on the embedded MQTT broker (MQTT over WebSocket) with an API access token as
 * their password. The broker lives in a library that knows nothing of users, so the API hands it the check. With an
 * external broker (`MQTT_URL`) there is nothing to do: its own access control decides.
 */
@Injectable()
export class BrowserMqttAccess {
  constructor(@Inject(EMBEDDED_BROKER) broker: EmbeddedBroker | null, @Inject(LiveAuth) auth: LiveAuth) {
    broker?.acceptBrowsers(async (token) => {
      const user = await auth.userOf(token);
      return user && { username: user.username, role: user.role };
    });
  }
}
