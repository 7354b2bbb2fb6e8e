// One session of ZooKeeper's own Java client doing the operations Kazoo lacks (TTL and container
// nodes, persistent and recursive watches, removing watches, getEphemerals, getAllChildrenNumber,
// whoAmI, read-only multi, null data) against the ZooKeeper at args[0]. Midway it prints DROP and
// waits for a line on stdin while the capturing proxy cuts the connection, so the client re-arms
// its watches: with SetWatches while it has one-shot watches only, with SetWatches2 once it has
// persistent ones.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

public class JuteSession {
  static final List<ACL> OPEN = ZooDefs.Ids.OPEN_ACL_UNSAFE;

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static final BufferedReader STDIN = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

  /** Asks the capturing proxy to cut the connection, then waits until the client is back. */
  static void cutAndReconnect(LinkedBlockingQueue<Watcher.Event.KeeperState> states) throws Exception {
    states.clear();
    System.out.println("DROP");
    System.out.flush();
    STDIN.readLine();
    Watcher.Event.KeeperState s;
    do {
      s = states.poll(20, TimeUnit.SECONDS);
      if (s == null) throw new IllegalStateException("did not reconnect");
    } while (s != Watcher.Event.KeeperState.SyncConnected);
  }

  public static void main(String[] args) throws Exception {
    LinkedBlockingQueue<Watcher.Event.KeeperState> states = new LinkedBlockingQueue<>();
    ZooKeeper zk = new ZooKeeper(args[0], 6000, e -> states.add(e.getState()));
    if (states.poll(15, TimeUnit.SECONDS) != Watcher.Event.KeeperState.SyncConnected) throw new IllegalStateException("no connection");

    zk.create("/javajute", b("j"), OPEN, CreateMode.PERSISTENT);
    Stat stat = new Stat();
    zk.create("/javajute/ttl", b("t"), OPEN, CreateMode.PERSISTENT_WITH_TTL, stat, 60000);
    zk.create("/javajute/ttl-seq-", b("ts"), OPEN, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, stat, 60000);
    zk.create("/javajute/container", b("c"), OPEN, CreateMode.CONTAINER);
    zk.create("/javajute/eph", b("e"), OPEN, CreateMode.EPHEMERAL);
    zk.create("/javajute/nulldata", null, OPEN, CreateMode.PERSISTENT);
    zk.getData("/javajute/nulldata", false, null);
    System.out.println("ephemerals " + zk.getEphemerals("/javajute"));
    System.out.println("all children " + zk.getAllChildrenNumber("/javajute"));
    System.out.println("whoami " + zk.whoAmI());

    zk.multi(Arrays.asList(
        Op.create("/javajute/m-ttl", b("mt"), OPEN, CreateMode.PERSISTENT_WITH_TTL, 60000),
        Op.create("/javajute/m-container", b("mc"), OPEN, CreateMode.CONTAINER),
        Op.check("/javajute", 0)));
    System.out.println("multiRead " + zk.multi(Arrays.asList(Op.getData("/javajute"), Op.getChildren("/javajute"), Op.getData("/javajute/missing"))).size());

    // With one-shot watches only, the client re-arms them after the cut with plain SetWatches.
    zk.getData("/javajute", e -> {}, null);
    zk.exists("/javajute/absent", e -> {});
    zk.getChildren("/javajute", e -> {});
    cutAndReconnect(states);

    CountDownLatch persistentFired = new CountDownLatch(1);
    CountDownLatch recursiveFired = new CountDownLatch(2);
    Watcher persistent = (WatchedEvent e) -> {
      if (e.getType() != Watcher.Event.EventType.None) persistentFired.countDown();
    };
    Watcher recursive = (WatchedEvent e) -> {
      if (e.getType() != Watcher.Event.EventType.None) recursiveFired.countDown();
    };
    zk.addWatch("/javajute/pw", persistent, AddWatchMode.PERSISTENT);
    zk.addWatch("/javajute/tree", recursive, AddWatchMode.PERSISTENT_RECURSIVE);
    zk.create("/javajute/pw", b("p"), OPEN, CreateMode.PERSISTENT);
    zk.create("/javajute/tree", b(""), OPEN, CreateMode.PERSISTENT);
    zk.create("/javajute/tree/leaf", b(""), OPEN, CreateMode.PERSISTENT);
    if (!persistentFired.await(10, TimeUnit.SECONDS) || !recursiveFired.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("persistent watches did not fire");

    Watcher oneShot = e -> {};
    zk.getData("/javajute/pw", oneShot, null);
    zk.removeWatches("/javajute/pw", oneShot, Watcher.WatcherType.Data, false);
    zk.removeAllWatches("/javajute/pw", Watcher.WatcherType.Any, false);
    try {
      zk.removeAllWatches("/javajute/pw", Watcher.WatcherType.Any, false);
    } catch (KeeperException.NoWatcherException e) {
      System.out.println("NoWatcher");
    }

    // The recursive watch on /javajute/tree is still armed: after the cut, SetWatches2 re-arms it.
    cutAndReconnect(states);
    zk.setData("/javajute/tree/leaf", b("after"), -1);
    zk.close();
    System.out.println("closed");
  }
}
