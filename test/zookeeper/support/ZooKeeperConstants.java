// Prints ZooKeeper's own wire constants, read by reflection from the installed jar, one
// "<group> <name> <value>" line each, so the tests compare the TypeScript tables against them.
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;

public class ZooKeeperConstants {
  static void intFields(String group, Class<?> c) throws IllegalAccessException {
    for (Field f : c.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) System.out.println(group + " " + f.getName() + " " + f.getInt(null));
    }
  }

  public static void main(String[] args) throws Exception {
    intFields("op", ZooDefs.OpCode.class);
    intFields("perm", ZooDefs.Perms.class);
    for (KeeperException.Code c : KeeperException.Code.values()) System.out.println("error " + c.name() + " " + c.intValue());
    for (CreateMode m : CreateMode.values()) System.out.println("createMode " + m.name() + " " + m.toFlag());
    for (Watcher.Event.EventType t : Watcher.Event.EventType.values()) System.out.println("eventType " + t.name() + " " + t.getIntValue());
    for (Watcher.Event.KeeperState s : Watcher.Event.KeeperState.values()) System.out.println("keeperState " + s.name() + " " + s.getIntValue());
    for (AddWatchMode m : AddWatchMode.values()) System.out.println("addWatchMode " + m.name() + " " + m.getMode());
    for (Watcher.WatcherType t : Watcher.WatcherType.values()) System.out.println("watcherType " + t.name() + " " + t.getIntValue());
  }
}
