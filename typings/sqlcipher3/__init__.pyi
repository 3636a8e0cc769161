# sqlcipher3 ships no type information. It is a fork of the standard sqlite3
# module (pysqlite) built against SQLCipher, with the same DB-API; these are
# the standard module's types for the names mirror uses.
from sqlite3 import Connection as Connection
from sqlite3 import Cursor as Cursor
from sqlite3 import DatabaseError as DatabaseError
from sqlite3 import Error as Error
from sqlite3 import IntegrityError as IntegrityError
from sqlite3 import OperationalError as OperationalError
from sqlite3 import Row as Row
from sqlite3 import connect as connect
